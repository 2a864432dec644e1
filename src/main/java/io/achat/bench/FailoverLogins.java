package io.achat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The logins {@code bench failover} tries on a node: accepted once the user's own line comes back. */
final class FailoverLogins {

  private FailoverLogins() {
  }

  /** A connection logged in as {@code name} on {@code port}, or {@code null} if refused. */
  static Socket login(int port, String name, long deadline) throws IOException {
    Socket socket = new Socket();
    try {
      String answer = attempt(socket, port, name, deadline);
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

  /** One login of {@code name} on {@code port}: {@code null} when accepted, else the server's answer. */
  static String tryLogin(int port, String name, long deadline) {
    try (Socket socket = new Socket()) {
      return attempt(socket, port, name, deadline);
    } catch (SocketTimeoutException e) {
      return "no answer in time";
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  /**
   * Logs in as {@code name} and sends itself a line: accepted once that line comes back
   * ({@code null}), else the server's first answer.
   */
  private static String attempt(Socket socket, int port, String name, long deadline) throws IOException {
    int millis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    socket.connect(new InetSocketAddress("127.0.0.1", port), millis);
    socket.setSoTimeout(millis);
    socket.setTcpNoDelay(true);
    OutputStream out = socket.getOutputStream();
    out.write((name + "\n" + name + ": ping\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
    String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
    return ("from " + name + ": ping").equals(answer) ? null : String.valueOf(answer);
  }
}
