package io.achat.support;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;

import java.net.URI;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client speaking the protocol as the web page does: one text message per line to
 * the server, and each message from it split into its lines, every one ending in {@code \n}. Blocking, for tests; every read has a timeout, so a missing line fails the test instead of
 * hanging it.
 */
public final class WsClient implements ChatSession {

  private static final String CLOSED = new String("closed");

  private final WebSocketClient client;
  private final WebSocket socket;
  private final BlockingQueue<String> lines;
  /** Every text message from the server, whole, in the order they came. */
  private final Queue<String> messages;
  private String login;

  private WsClient(WebSocketClient client, WebSocket socket, BlockingQueue<String> lines, Queue<String> messages) {
    this.client = client;
    this.socket = socket;
    this.lines = lines;
    this.messages = messages;
  }

  /** The lines of one text message from the server; a last line without its {@code \n} is a line too. */
  private static void split(String message, BlockingQueue<String> lines) {
    int start = 0;
    for (int newline; (newline = message.indexOf('\n', start)) >= 0; start = newline + 1) {
      lines.add(message.substring(start, newline));
    }
    if (start < message.length()) {
      lines.add(message.substring(start));
    }
  }

  /** Connects to {@code url} ({@code ws://host:port/ws}), sending {@code origin} when it is not null. */
  public static WsClient connect(Vertx vertx, String url, String origin) {
    return connect(vertx, url, origin, new WebSocketClientOptions());
  }

  public static WsClient connect(Vertx vertx, String url, String origin, WebSocketClientOptions options) {
    return open(vertx, url, connectOptions(url, origin), options);
  }

  /** Connects to {@code url} with {@code headers} in the upgrade request, as a proxy would add them. */
  public static WsClient connectWithHeaders(Vertx vertx, String url, java.util.Map<String, String> headers) {
    WebSocketConnectOptions connect = connectOptions(url, null);
    headers.forEach(connect::addHeader);
    return open(vertx, url, connect, new WebSocketClientOptions());
  }

  private static WsClient open(Vertx vertx, String url, WebSocketConnectOptions connect, WebSocketClientOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(options.setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    try {
      // Handlers before connecting: the server may answer and close at once (server full).
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Queue<String> messages = new ConcurrentLinkedQueue<>();
      ClientWebSocket socket = client.webSocket();
      socket.textMessageHandler(message -> {
        messages.add(message);
        WsClient.split(message, lines);
      });
      socket.closeHandler(v -> lines.add(CLOSED));
      socket.connect(connect).await(20, TimeUnit.SECONDS);
      return new WsClient(client, socket, lines, messages);
    } catch (Exception e) {
      client.close();
      throw new AssertionError("cannot connect to " + url + ": " + e, e);
    }
  }

  /** What the server answers an upgrade with {@code origin}: the exception a refusal fails with. */
  public static Throwable refusal(Vertx vertx, String url, String origin) {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      client.connect(connectOptions(url, origin)).await(20, TimeUnit.SECONDS).close().await(30, TimeUnit.SECONDS);
      throw new AssertionError(url + " accepted a WebSocket from " + origin);
    } catch (AssertionError e) {
      throw e;
    } catch (Exception e) {
      return e;
    } finally {
      client.close();
    }
  }

  private static WebSocketConnectOptions connectOptions(String url, String origin) {
    URI uri = URI.create(url);
    WebSocketConnectOptions options = new WebSocketConnectOptions()
      .setHost(uri.getHost()).setPort(uri.getPort()).setURI(uri.getRawPath())
      .setSsl(uri.getScheme().equals("wss"));
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return options;
  }

  public static WsClient login(Vertx vertx, String url, String login) {
    return connect(vertx, url, null).send(login).named(login);
  }

  public WsClient named(String login) {
    this.login = login;
    return this;
  }

  @Override
  public String login() {
    return login;
  }

  /** The text messages the server sent so far, whole. */
  public List<String> messages() {
    return List.copyOf(messages);
  }

  public WebSocket socket() {
    return socket;
  }

  /** One line, as one text message. */
  @Override
  public WsClient send(String line) {
    written(socket.writeTextMessage(line));
    return this;
  }

  public WsClient sendFrame(WebSocketFrame frame) {
    written(socket.writeFrame(frame));
    return this;
  }

  public WsClient sendBinary(Buffer bytes) {
    written(socket.writeBinaryMessage(bytes));
    return this;
  }

  /** Waits until {@code write} is done, at most 30 s. */
  private static void written(io.vertx.core.Future<Void> write) {
    try {
      write.await(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("a WebSocket write did not complete in 30 s", e);
    }
  }

  /** The next line, or {@code null} once the server has closed the connection. */
  @Override
  public String readLine() {
    try {
      String line = lines.poll(LineClient.READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
      if (line == null) {
        throw new AssertionError((login == null ? "a client" : login) + ": no line within "
          + LineClient.READ_TIMEOUT_MILLIS + " ms");
      }
      if (line == CLOSED) {
        lines.add(CLOSED);
        return null;
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits {@code millis} for the server to send something, and fails if it does (or closes). */
  public void expectSilence(long millis) {
    try {
      String line = lines.poll(millis, TimeUnit.MILLISECONDS);
      if (line != null) {
        throw new AssertionError((login == null ? "a client" : login) + ": expected nothing for " + millis + " ms, got "
          + (line == CLOSED ? "closed" : line));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The close status the server sent, once closed. */
  public Short closeStatus() {
    return socket.closeStatusCode();
  }

  @Override
  public void close() {
    try {
      if (!socket.isClosed()) {
        socket.close().await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      // closing anyway
    } finally {
      client.close();
    }
  }
}
