package dev.poolguard.core.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

@Name("dev.poolguard.PoolExhausted")
@Label("Pool Exhausted")
@Category("PoolGuard")
@Description("A borrow failed with the pool's own timeout because every connection was leased")
@StackTrace(false)
public final class PoolExhausted extends jdk.jfr.Event {
    @Label("Pool")
    public String pool;
    @Label("Maximum Size")
    public int max;
    @Label("Leased")
    public int leased;
    @Label("Waited")
    @Timespan(Timespan.MILLISECONDS)
    public long waited;
}
