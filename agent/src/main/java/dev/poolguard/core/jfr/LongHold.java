package dev.poolguard.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("dev.poolguard.LongHold")
@Label("Long Hold")
@Category("PoolGuard")
@Description("A connection lease was held longer than HOLD_WARN")
@StackTrace(false)
public final class LongHold extends jdk.jfr.Event {
    @Label("Pool")
    public String pool;
    @Label("Holder")
    public Thread holder;
    @Label("Held")
    @Timespan(Timespan.MILLISECONDS)
    public long held;
    @Label("Borrow Site")
    @Description("The first frames of application code that borrowed the connection")
    public String borrowSite;
}
