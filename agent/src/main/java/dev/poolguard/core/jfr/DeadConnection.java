package dev.poolguard.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("dev.poolguard.DeadConnection")
@Label("Dead Connection")
@Category("PoolGuard")
@Description("A pooled or bare connection was found dead: at borrow by PoolGuard's ping or the pool's validation,"
    + " or by a connection error that reached the application")
@StackTrace(false)
public final class DeadConnection extends jdk.jfr.Event {
    @Label("Pool")
    public String pool;
    @Label("Detected By")
    @Description("poolguard (its ping at borrow), pool (the pool's own validation) or application (an error)")
    public String detectedBy;
    @Label("Idle")
    @Timespan(Timespan.MILLISECONDS)
    public long idle;
    @Label("Reason")
    public String reason;
}
