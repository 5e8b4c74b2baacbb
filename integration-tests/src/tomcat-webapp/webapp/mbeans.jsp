<%--
  The agent's pool MBeans, read from inside Tomcat without opening a JMX port: one line per MBean, its name and the
  attributes named by ?attributes= (comma-separated), as name=value.
--%><%@ page contentType="text/plain; charset=UTF-8" session="false"
    import="java.lang.management.ManagementFactory,javax.management.MBeanServer,javax.management.ObjectName" %><%
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    String[] attributes = String.valueOf(request.getParameter("attributes")).split(",");
    for (ObjectName name : server.queryNames(new ObjectName("dev.poolguard:type=Pool,*"), null)) {
        StringBuilder line = new StringBuilder(name.toString());
        for (String attribute : attributes) {
            line.append(' ').append(attribute).append('=').append(server.getAttribute(name, attribute));
        }
        out.println(line);
    }
%>
