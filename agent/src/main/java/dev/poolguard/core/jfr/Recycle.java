package dev.poolguard.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("dev.poolguard.Recycle")
@Label("Recycle")
@Category("PoolGuard")
@Description("A physical connection older than the maximum lifetime was retired, at borrow or at return")
@StackTrace(false)
public final class Recycle extends jdk.jfr.Event {
    @Label("Pool")
    public String pool;
    @Label("At")
    public String at;
    @Label("Age")
    @Timespan(Timespan.MILLISECONDS)
    public long age;
}
