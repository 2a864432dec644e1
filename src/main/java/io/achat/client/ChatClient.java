package io.achat.client;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.parsetools.RecordParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The book's client: each line of standard input goes to the server, each line from the server
 * to standard output. Ends when standard input ends (after sending what it read) or the server
 * closes the connection.
 */
public final class ChatClient {

  /** Exit statuses. */
  public static final int OK = 0;
  public static final int BROKEN = 1;
  public static final int USAGE = 2;

  private static final String DEFAULT_TARGET = "localhost:8080";

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final NetClientOptions options;

  public ChatClient(InputStream in, PrintStream out, PrintStream err) {
    this(in, out, err, new NetClientOptions());
  }

  /** With {@code options} for the connection (TLS and what it trusts). */
  public ChatClient(InputStream in, PrintStream out, PrintStream err, NetClientOptions options) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.options = new NetClientOptions(options).setTcpNoDelay(true).setConnectTimeout(10_000);
  }

  /** {@code client [--tls] [--trust CERT.pem] [HOST:PORT]}; returns the exit status. */
  public static int main(String[] args) {
    NetClientOptions options = new NetClientOptions();
    String target = DEFAULT_TARGET;
    boolean targetGiven = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--tls")) {
        tls(options);
      } else if (arg.equals("--trust") && i + 1 < args.length) {
        tls(options).setTrustOptions(new PemTrustOptions().addCertPath(args[++i]));
      } else if (!arg.startsWith("-") && !targetGiven) {
        target = arg;
        targetGiven = true;
      } else {
        return usage();
      }
    }
    int colon = target.lastIndexOf(':');
    int port;
    try {
      port = Integer.parseInt(target.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (colon <= 0 || port < 1 || port > 65535) {
      System.err.println("a-chat client: expected HOST:PORT, not '" + target + "'");
      return USAGE;
    }
    return new ChatClient(System.in, System.out, System.err, options).run(target.substring(0, colon), port);
  }

  /** TLS that checks the server's certificate and that it was issued for the host connected to. */
  private static NetClientOptions tls(NetClientOptions options) {
    return options.setSsl(true).setHostnameVerificationAlgorithm("HTTPS");
  }

  private static int usage() {
    System.err.println("usage: a-chat client [--tls] [--trust CERT.pem] [HOST:PORT]   (default " + DEFAULT_TARGET + ")");
    System.err.println("  --tls          connect over TLS, trusting the JVM's certificate authorities");
    System.err.println("  --trust FILE   connect over TLS, trusting the PEM certificate(s) in FILE");
    return USAGE;
  }

  /** Connects and runs until standard input ends or the server closes; returns the exit status. */
  public int run(String host, int port) {
    Vertx vertx = Vertx.vertx();
    // Held until the end: Vert.x closes a NetClient, and its connections, once it is unreachable.
    NetClient netClient = vertx.createNetClient(options);
    try {
      CompletableFuture<Integer> done = new CompletableFuture<>();
      NetSocket socket;
      try {
        // Handlers are set on the event loop as the connection completes, so no event is missed.
        socket = netClient.connect(port, host).map(s -> wire(s, done)).await();
      } catch (Exception e) {
        err.println("a-chat client: cannot connect to " + host + ":" + port + ": " + e.getMessage());
        return BROKEN;
      }
      Thread stdin = new Thread(() -> send(socket), "a-chat-stdin");
      stdin.setDaemon(true);
      stdin.start();
      return done.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return BROKEN;
    } catch (ExecutionException e) {
      return BROKEN;
    } finally {
      out.flush();
      netClient.close();
      vertx.close();
    }
  }

  private NetSocket wire(NetSocket socket, CompletableFuture<Integer> done) {
    RecordParser.newDelimited("\n", socket).handler(this::print);
    socket.exceptionHandler(e -> {
      err.println("a-chat client: connection broken: " + e.getMessage());
      done.complete(BROKEN);
    });
    socket.closeHandler(v -> done.complete(OK));
    return socket;
  }

  private void print(Buffer line) {
    out.write(line.getBytes(), 0, line.length());
    out.write('\n');
    out.flush();
  }

  /** Reads standard input on its own thread; each write waits for the socket so none pile up. */
  private void send(NetSocket socket) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        socket.write(line + "\n").await();
      }
      socket.end();
    } catch (IOException e) {
      err.println("a-chat client: cannot read standard input: " + e.getMessage());
      socket.end();
    } catch (RuntimeException closed) {
      // The connection closed under us; its close handler ends the client.
    }
  }
}
