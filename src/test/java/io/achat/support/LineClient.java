package io.achat.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A plain blocking TCP client speaking the protocol line by line, as {@code nc} would. Every read
 * has a timeout, so a missing line fails the test instead of hanging it.
 */
public final class LineClient implements ChatSession {

  public static final int READ_TIMEOUT_MILLIS = 20_000;
  /** How long {@link #discardUntilClosed} waits for each read. */
  public static final int DISCARD_SILENCE_MILLIS = 60_000;

  private final Socket socket;
  private final InputStream in;
  /** What was read and not handed out yet: {@code buffer[pos..limit)}. Lines are cut from it without a copy per byte. */
  private final byte[] buffer = new byte[64 * 1024];
  private int pos;
  private int limit;
  private final OutputStream out;
  private String login;

  private LineClient(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(READ_TIMEOUT_MILLIS);
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  public static LineClient connect(String host, int port) {
    return connect(host, port, 0);
  }

  /** From the local address {@code from} (any of 127.0.0.0/8 on Linux): another client address on one machine. */
  public static LineClient connectFrom(String from, String host, int port) {
    try {
      Socket socket = new Socket();
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MILLIS);
      return new LineClient(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Like {@link #login(String, int, String, int)}, from the local address {@code from}. */
  public static LineClient loginFrom(String from, String host, int port, String login, int receiveBuffer) {
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MILLIS);
      LineClient client = new LineClient(socket);
      client.send(login);
      client.login = login;
      client.sync();
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** With {@code receiveBuffer > 0}, a small kernel receive buffer, for clients that lag behind. */
  public static LineClient connect(String host, int port, int receiveBuffer) {
    try {
      Socket socket = new Socket();
      if (receiveBuffer > 0) {
        socket.setReceiveBufferSize(receiveBuffer);
      }
      socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MILLIS);
      return new LineClient(socket);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Logs in and waits until the broker has registered the login: a message to oneself comes
   * back only after that.
   */
  public static LineClient login(String host, int port, String login) {
    return login(host, port, login, 0);
  }

  public static LineClient login(String host, int port, String login, int receiveBuffer) {
    LineClient client = connect(host, port, receiveBuffer);
    client.send(login);
    client.login = login;
    client.sync();
    return client;
  }

  /** Names this client's login (for one that logged in by hand), so that {@link #sync} works. */
  public LineClient named(String login) {
    this.login = login;
    return this;
  }

  @Override
  public String login() {
    return login;
  }

  @Override
  public LineClient send(String line) {
    return sendRaw((line + "\n").getBytes(StandardCharsets.UTF_8));
  }

  public LineClient sendRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next line without its {@code \n}, or {@code null} at end of stream. */
  @Override
  public String readLine() {
    try {
      ByteArrayOutputStream line = null;
      while (true) {
        for (int i = pos; i < limit; i++) {
          if (buffer[i] == '\n') {
            String text;
            if (line == null) {
              text = new String(buffer, pos, i - pos, StandardCharsets.UTF_8);
            } else {
              line.write(buffer, pos, i - pos);
              text = line.toString(StandardCharsets.UTF_8);
            }
            pos = i + 1;
            return text;
          }
        }
        if (line == null) {
          line = new ByteArrayOutputStream(Math.max(64, limit - pos));
        }
        line.write(buffer, pos, limit - pos);
        pos = 0;
        limit = in.read(buffer);
        if (limit < 0) {
          limit = 0;
          return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError((login == null ? "client" : login) + ": no line within "
        + READ_TIMEOUT_MILLIS + " ms");
    } catch (SocketException e) {
      return null; // reset by the server: as good as closed for these tests
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits {@code millis} for the server to send something, and fails if it does (or closes). */
  public void expectSilence(int millis) {
    try {
      socket.setSoTimeout(millis);
      int b = pos < limit ? buffer[pos] & 0xff : in.read();
      throw new AssertionError((login == null ? "client" : login) + ": expected nothing for " + millis + " ms, got "
        + (b < 0 ? "the end of the stream" : "byte " + b));
    } catch (SocketTimeoutException e) {
      // nothing came: as expected
    } catch (IOException e) {
      throw new AssertionError((login == null ? "client" : login) + ": expected nothing for " + millis + " ms", e);
    } finally {
      try {
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
      } catch (SocketException e) {
        // closed: the next read says so
      }
    }
  }

  /** Shuts down the sending side only, as {@code nc} does when its input ends. */
  public void shutdownOutput() {
    try {
      socket.shutdownOutput();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads and drops everything until the server closes the connection; returns the byte count.
   * Run beside a flood, for a client that may be sent nothing while it lasts: it waits up to
   * {@link #DISCARD_SILENCE_MILLIS} for each read, longer than any flood the tests send.
   */
  public long discardUntilClosed() {
    long total = limit - pos;
    pos = 0;
    limit = 0;
    try {
      socket.setSoTimeout(DISCARD_SILENCE_MILLIS);
      for (int n = in.read(this.buffer); n >= 0; n = in.read(this.buffer)) {
        total += n;
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError((login == null ? "client" : login) + ": nothing for " + DISCARD_SILENCE_MILLIS + " ms");
    } catch (IOException e) {
      // reset or closed by the server: the end
    }
    return total;
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
