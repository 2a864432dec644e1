package io.achat.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client written by hand over a plain socket, for what a well-behaved client
 * library does not do: going away without a close frame, as a browser on a lost network does.
 * It only sends (masked text frames, as RFC 6455 asks of clients).
 */
public final class RawWebSocket implements AutoCloseable {

  private final Socket socket;
  private final OutputStream out;

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  public static RawWebSocket connect(int port) {
    try {
      Socket socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(LineClient.READ_TIMEOUT_MILLIS);
      socket.getOutputStream().write(upgradeRequest(port));
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("closed during the upgrade: " + head);
        }
        head.write(b);
      }
      if (!head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101")) {
        throw new IOException("upgrade refused: " + head);
      }
      return new RawWebSocket(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The HTTP request that opens a WebSocket at {@code /ws}, without an Origin. */
  public static byte[] upgradeRequest(int port) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    return ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
      + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
      + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /** One text frame per line, several lines in one write. */
  public RawWebSocket send(String... lines) {
    try {
      out.write(frames(lines));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** One masked text frame per line, as a client sends them. */
  public static byte[] frames(String... lines) {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    for (String line : lines) {
      byte[] data = line.getBytes(StandardCharsets.UTF_8);
      frames.write(0x81);
      if (data.length < 126) {
        frames.write(0x80 | data.length);
      } else {
        frames.write(0x80 | 126);
        frames.write(data.length >>> 8);
        frames.write(data.length & 0xff);
      }
      byte[] mask = new byte[4];
      ThreadLocalRandom.current().nextBytes(mask);
      frames.writeBytes(mask);
      for (int i = 0; i < data.length; i++) {
        frames.write(data[i] ^ mask[i % 4]);
      }
    }
    return frames.toByteArray();
  }

  /** Closes the TCP connection without a close frame. */
  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
