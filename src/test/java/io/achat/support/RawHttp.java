package io.achat.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection written by hand, for what a browser never does: a request sent half, a
 * keep-alive connection left idle, a connection from another local address.
 */
public final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final long openedNanos = System.nanoTime();
  private String body = "";

  private RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
  }

  /** Connects to 127.0.0.1:{@code port} from the local address {@code from} (any of 127.0.0.0/8). */
  public static RawHttp connect(String from, int port) {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 20_000);
      return new RawHttp(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A request line and a Host header, and nothing more: a request the server waits to complete. */
  public RawHttp sendHalf(String path) {
    return send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }

  public RawHttp send(String text) {
    try {
      socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code GET path} on this connection, kept alive: the status code, once the whole answer (its
   * Content-Length) is read.
   */
  public int get(String path) {
    send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\n\r\n");
    try {
      socket.setSoTimeout(20_000);
      String head = head();
      int status = Integer.parseInt(head.substring(9, 12));
      long length = 0;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Long.parseLong(line.substring(15).trim());
        }
      }
      byte[] content = in.readNBytes((int) length);
      if (content.length < length) {
        throw new AssertionError("closed in the middle of an answer to " + path);
      }
      body = new String(content, StandardCharsets.UTF_8);
      return status;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The body of the last answer {@link #get} read. */
  public String body() {
    return body;
  }

  private String head() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("closed before an answer: " + bytes.toString(StandardCharsets.US_ASCII));
      }
      bytes.write(b);
      String text = bytes.toString(StandardCharsets.US_ASCII);
      if (text.endsWith("\r\n\r\n")) {
        return text;
      }
    }
  }

  /**
   * Waits up to {@code millis} for the server to close the connection (an end of stream or a
   * reset), reading and dropping whatever comes first; returns how long after this connection
   * opened it was closed, in milliseconds.
   */
  public long awaitClosed(long millis) {
    try {
      socket.setSoTimeout((int) millis);
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // an answer the test does not look at
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + millis + " ms");
    } catch (IOException e) {
      // reset: closed too
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedNanos);
  }

  /**
   * Asks for a WebSocket at {@code /ws} and reads until the server closes the connection, for at
   * most {@code millis}: what it answered, empty when it closed without a word.
   */
  public String upgradeUntilClosed(long millis) {
    send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + socket.getPort() + "\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try {
      socket.setSoTimeout((int) millis);
      byte[] buffer = new byte[4096];
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        answer.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("still open after " + millis + " ms, having answered: "
        + answer.toString(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      // reset: closed too
    }
    return answer.toString(StandardCharsets.US_ASCII);
  }

  /** Whether the server has closed the connection within {@code millis}. */
  public boolean closedWithin(long millis) {
    try {
      awaitClosed(millis);
      return true;
    } catch (AssertionError e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket: nothing to do
    }
  }
}
