package io.achat.client;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code a-chat health [HOST:PORT]}: exits 0 when the server logs a probe in and routes the
 * probe's message back to it within five seconds, 1 otherwise. For container health checks, so
 * it uses plain blocking sockets and starts fast. Defaults to {@code 127.0.0.1} and
 * {@code ACHAT_PORT}; speaks TLS when {@code ACHAT_TLS_CERT_PATH} is set (any certificate is
 * accepted: it checks that the server answers, not who it is).
 */
public final class HealthCheck {

  private static final int TIMEOUT_MILLIS = 5000;

  private HealthCheck() {
  }

  public static int main(String[] args) {
    String port = System.getenv().getOrDefault("ACHAT_PORT", "8080");
    String target = args.length > 0 ? args[0] : "127.0.0.1:" + port;
    int colon = target.lastIndexOf(':');
    boolean tls = !System.getenv().getOrDefault("ACHAT_TLS_CERT_PATH", "").isBlank();
    // Short, so that it fits any maxLoginLength of 7 or more.
    String login = "h" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36), 36);
    try (Socket socket = open(tls)) {
      socket.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))),
        TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      out.write((login + "\n" + login + ": ping\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (("from " + login + ": ping").equals(line)) {
        return 0;
      }
      System.err.println("a-chat health: unexpected answer: " + line);
      return 1;
    } catch (Exception e) {
      System.err.println("a-chat health: " + target + ": " + e);
      return 1;
    }
  }

  private static Socket open(boolean tls) throws Exception {
    if (!tls) {
      return new Socket();
    }
    TrustManager anyCertificate = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {anyCertificate}, new SecureRandom());
    return context.getSocketFactory().createSocket();
  }
}
