package io.achat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The logins the benchmark tries on a node ({@code bench failover}, {@code bench presence}):
 * accepted once the user's own line comes back.
 */
final class LoginTries {

  private LoginTries() {
  }

  /** A connection logged in as {@code name} on {@code port} of this machine, or {@code null} if refused. */
  static Socket login(int port, String name, long deadline) throws IOException {
    return login("127.0.0.1", port, name, deadline);
  }

  /** A connection logged in as {@code name} on {@code host}:{@code port}, or {@code null} if refused. */
  static Socket login(String host, int port, String name, long deadline) throws IOException {
    Socket socket = new Socket();
    try {
      String answer = attempt(socket, host, port, name, deadline);
      if (answer == null) {
        return socket;
      }
      socket.close();
      return null;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Tries to log {@code name} in on {@code port}, the node called {@code node}, every
   * {@code poll} ms until it is accepted (then when, System.nanoTime) or {@code end} (then -1),
   * and writes each new answer to {@code record}.
   */
  static long freeAgain(int port, String node, String name, int poll, long end, PrintWriter record)
    throws InterruptedException {
    String refused = null;
    while (System.nanoTime() - end < 0) {
      long attempt = System.nanoTime();
      String answer = tryLogin(port, name, end);
      if (answer == null) {
        long at = System.nanoTime();
        record.println(FailoverNode.stamped(node + " accepted '" + name + "'"));
        return at;
      }
      if (!answer.equals(refused)) {
        record.println(FailoverNode.stamped(node + " answered '" + name + "': " + answer));
        refused = answer;
      }
      // The pace of the logins tried, not a wait for anything.
      TimeUnit.NANOSECONDS.sleep(Math.max(0, attempt + TimeUnit.MILLISECONDS.toNanos(poll) - System.nanoTime()));
    }
    record.println(FailoverNode.stamped(node + " did not accept '" + name + "' in time: " + refused));
    return -1;
  }

  /** One login of {@code name} on {@code port}: {@code null} when accepted, else the server's answer. */
  static String tryLogin(int port, String name, long deadline) {
    try (Socket socket = new Socket()) {
      return attempt(socket, "127.0.0.1", port, name, deadline);
    } catch (SocketTimeoutException e) {
      return "no answer in time";
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  /**
   * Logs in as {@code name} and sends itself a line: accepted once that line comes back
   * ({@code null}), else the server's first answer that is not a line from another user.
   */
  private static String attempt(Socket socket, String host, int port, String name, long deadline) throws IOException {
    int millis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    socket.connect(new InetSocketAddress(host, port), millis);
    socket.setSoTimeout(millis);
    socket.setTcpNoDelay(true);
    OutputStream out = socket.getOutputStream();
    out.write((name + "\n" + name + ": ping\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    String answer = in.readLine();
    while (answer != null && answer.startsWith("from ") && !answer.equals("from " + name + ": ping")) {
      answer = in.readLine(); // a line from another user (a flood of them): logged in, the ping is still to come
    }
    return ("from " + name + ": ping").equals(answer) ? null : String.valueOf(answer);
  }
}
