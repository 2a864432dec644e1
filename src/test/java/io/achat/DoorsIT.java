package io.achat;

import io.achat.bench.Cpu;
import io.achat.support.Crowd;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import io.achat.support.Tls;
import io.vertx.core.net.SelfSignedCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real jar at its descriptor limit and under churn: no door can be used to starve the others
 * (docs/operations.md, "Every door").
 */
@Timeout(180)
class DoorsIT {

  /** The open-file limit the jar runs under here: about 720 connections fit. */
  private static final int OPEN_FILES = 1024;
  /**
   * Connections each crowd holds: two crowds hold more than the process has descriptors, and
   * together with what the server's accept queues hold, no more than those queues can take (a
   * crowd larger than that keeps them full, and then a newcomer's SYN is dropped by the kernel).
   */
  private static final int CROWD = OPEN_FILES * 3 / 4;

  @Test
  void atItsDescriptorLimitTheServerShedsConnectionsThatAreNotUsersAndStillLetsOneIn() throws Exception {
    // Loopback is not exempt: the crowds come from many addresses, each within the per-address rules.
    try (JarProcess server = JarProcess.start(OPEN_FILES, Map.of(), List.of(), "-conf",
      "{\"host\":\"127.0.0.1\",\"port\":0,\"exemptAddresses\":\"\"}")) {
      long started = System.nanoTime();
      int port = server.port();
      int web = URI.create(server.webUrl()).getPort();
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
           Crowd halfSent = Crowd.spread(web, "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n", CROWD);
           Crowd silent = Crowd.spread(port, "", CROWD)) {
        server.await(Pattern.compile("open files nearly used up: \\d+ connections and the open-file limit is "
          + OPEN_FILES + ";.*ulimit -n"), 30);
        // Each crowd has come back for what was shed of it, twice over.
        halfSent.awaitOpened(3L * CROWD, 60);
        silent.awaitOpened(3L * CROWD, 60);
        // While both crowds hold the doors and come back as they are shed: a new user and a page load get in.
        long start = System.nanoTime();
        try (LineClient bob = LineClient.login("127.0.0.1", port, "bob")) {
          alice.send("bob: the doors are crowded");
          assertThat(bob.readLine()).isEqualTo("from alice: the doors are crowded");
        }
        assertThat(page(server.webUrl(), null)).isEqualTo(200);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf("at the open-file limit with %d + %d connections opened by the crowds: a login, a message"
          + " and a page load took %d ms%n", halfSent.opened(), silent.opened(), millis);
        assertThat(millis).as("a login, a message and a page load, ms").isLessThan(10_000);
        alice.send("alice: still here");
        assertThat(alice.readLine()).isEqualTo("from alice: still here");
      }
      // At a bounded rate: once in 10 s.
      assertThat(server.output().stream().filter(line -> line.contains("open files nearly used up")).count())
        .isLessThanOrEqualTo(3);
      // A burst Netty accepts before the accept loop has made room may still find no descriptor:
      // then that port stops accepting for a second, and Netty says so: once a second per port at most.
      long failed = server.output().stream().filter(line -> line.contains("Too many open files")).count();
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
      System.out.printf("accepts that failed for want of a descriptor: %d in %d s%n", failed, seconds);
      assertThat(failed).as("accepts that failed for want of a descriptor, in %d s", seconds)
        .isLessThanOrEqualTo(2 * (seconds + 1));
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  @Test
  void aFloodOfTlsHandshakesThatNeverFinishIsLetGoWithinRequestTimeoutMillis() throws Exception {
    SelfSignedCertificate certificate = SelfSignedCertificate.create("localhost");
    try (JarProcess server = JarProcess.start(OPEN_FILES, Map.of("ACHAT_TLS_CERT_PATH", certificate.certificatePath(),
      "ACHAT_TLS_KEY_PATH", certificate.privateKeyPath(), "ACHAT_REQUEST_TIMEOUT_MILLIS", "2000"), List.of(),
      "-conf", "{\"host\":\"127.0.0.1\",\"port\":0}")) {
      int port = server.port();
      int web = URI.create(server.webUrl()).getPort();
      SSLContext tls = Tls.trusting(certificate.certificatePath());
      // More handshakes held than the process has descriptors, on both doors, opened again as they are closed.
      try (Crowd chat = Crowd.hold(port, "", CROWD); Crowd pages = Crowd.hold(web, "", CROWD)) {
        server.await(Pattern.compile("Too many open files"), 30);
        long start = System.nanoTime();
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
          socket.connect(new InetSocketAddress("localhost", port), 30_000);
          socket.setSoTimeout(30_000);
          socket.getOutputStream().write("carol\ncarol: through the crowd\n".getBytes(StandardCharsets.UTF_8));
          BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
          assertThat(in.readLine()).isEqualTo("from carol: through the crowd");
        }
        long chatMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(page(server.webUrl().replace("127.0.0.1", "localhost"), tls)).isEqualTo(200);
        long pageMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) - chatMillis;
        System.out.printf("%d + %d TLS handshakes opened and never finished: a TLS login took %d ms, then a page %d ms"
          + " (requestTimeoutMillis 2000)%n", chat.opened(), pages.opened(), chatMillis, pageMillis);
        assertThat(chatMillis).as("a TLS login through the crowd, ms").isLessThan(15_000);
        assertThat(pageMillis).as("an HTTPS page through the crowd, ms").isLessThan(15_000);
      }
      // Netty says so once a second per port while accepting fails, and nothing else floods the log.
      assertThat(server.output().size()).as("log lines").isLessThan(3_000);
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  @Test
  void oneAddressComingAndGoingAsFastAsItCanCostsUnderAQuarterOfACore() throws Exception {
    try (JarProcess server = JarProcess.server("\"proxyProtocol\":true,\"trustedProxies\":\"loopback\"")) {
      int port = server.port();
      // One exchange first, so the window times the churn, not the first-ever login.
      assertThat(cycle(port, "198.51.100.8", "warm")).isEqualTo("from warm: x");
      int loops = 4;
      long seconds = 10;
      AtomicLong logins = new AtomicLong();
      AtomicLong refused = new AtomicLong();
      long cpuBefore = Cpu.of(server.pid());
      long start = System.nanoTime();
      long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
      List<CompletableFuture<Void>> churn = new ArrayList<>();
      for (int i = 0; i < loops; i++) {
        int loop = i;
        churn.add(CompletableFuture.runAsync(() -> {
          for (long n = 0; System.nanoTime() < deadline; n++) {
            String line = cycle(port, "198.51.100.7", "c" + loop + "x" + n);
            (line.startsWith("from ") ? logins : refused).incrementAndGet();
          }
        }));
      }
      CompletableFuture.allOf(churn.toArray(CompletableFuture[]::new)).get(seconds + 60, TimeUnit.SECONDS);
      double elapsed = (System.nanoTime() - start) / 1e9;
      double share = (Cpu.of(server.pid()) - cpuBefore) / 1e9 / elapsed;
      System.out.printf("one claimed address, %d loops of connect-login-close for %.1f s: %d logins, %d refused, server"
        + " at %.1f %% of a core%n", loops, elapsed, logins.get(), refused.get(), 100 * share);
      assertThat(logins.get()).as("logins within the rate").isBetween(1L, 60L + 4 * seconds);
      assertThat(refused.get()).as("refusals, each held a second").isPositive();
      assertThat(share).as("the server's share of a core").isLessThan(0.25);
      assertThat(cycle(port, "198.51.100.9", "alice")).isEqualTo("from alice: x");
    }
  }

  /**
   * Connects as a proxy would for {@code client}, logs in as {@code login}, sends itself a line and
   * closes: the line back, or the server's refusal.
   */
  private static String cycle(int port, String client, String login) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("PROXY TCP4 " + client + " 127.0.0.1 40000 " + port + "\r\n" + login + "\n" + login + ": x\n")
        .getBytes(StandardCharsets.US_ASCII));
      String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)).readLine();
      return line == null ? "closed" : line;
    } catch (IOException e) {
      return "reset";
    }
  }

  /** GET {@code url}: the status; over TLS trusting {@code tls}'s authorities when given. */
  private static int page(String url, SSLContext tls) throws IOException {
    HttpURLConnection http = (HttpURLConnection) URI.create(url).toURL().openConnection();
    if (tls != null) {
      ((HttpsURLConnection) http).setSSLSocketFactory(tls.getSocketFactory());
    }
    http.setConnectTimeout(30_000);
    http.setReadTimeout(30_000);
    try {
      http.getInputStream().readAllBytes();
      return http.getResponseCode();
    } finally {
      http.disconnect();
    }
  }
}
