<%--
  One request of an ordinary application: borrow a connection from the JNDI DataSource named by ?ds=, run a query,
  keep the connection ?hold_ms= longer (so that concurrent requests open several), give it back. Answers
  "ok borrow_ms=<ms>", or status 500 and the error. Uses no servlet API class by
  name, so it compiles on javax (Tomcat 9) and jakarta (Tomcat 10.1, 11) alike.
--%><%@ page contentType="text/plain; charset=UTF-8" session="false"
    import="java.sql.Connection,java.sql.ResultSet,java.sql.SQLException,java.sql.Statement,javax.naming.InitialContext,javax.sql.DataSource" %><%
    DataSource dataSource = (DataSource) new InitialContext().lookup("java:comp/env/jdbc/" + request.getParameter("ds"));
    long started = System.nanoTime();
    try (Connection connection = dataSource.getConnection()) {
        long borrowMs = (System.nanoTime() - started) / 1000000;
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT 1")) {
            rs.next();
            out.print("ok borrow_ms=" + borrowMs + " value=" + rs.getInt(1));
        }
        String hold = request.getParameter("hold_ms");
        if (hold != null) {
            Thread.sleep(Long.parseLong(hold));
        }
    } catch (SQLException e) {
        response.setStatus(500);
        out.print("failed " + e);
    }
%>
