package dev.poolguard.testapp;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * {@code --print-mbeans <pattern>}: after each scenario, every platform MBean matching the pattern with its
 * attributes, one line each, as an operator's JMX console would show them. The app knows no MBean by name.
 */
final class MBeans {
    private MBeans() {
    }

    static void print(String pattern) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> names = new TreeSet<>(server.queryNames(new ObjectName(pattern), null));
        for (ObjectName name : names) {
            List<String> attributes = new ArrayList<>();
            for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
                attributes.add(a.getName() + "=" + server.getAttribute(name, a.getName()));
            }
            System.out.println("MBEAN " + name + " " + String.join(" ", attributes));
        }
        System.out.flush();
    }
}
