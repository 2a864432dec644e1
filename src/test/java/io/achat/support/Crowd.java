package io.achat.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An attacker holding {@code size} connections to one port, as slowloris does: each sends
 * {@code greeting} (a request sent half, or nothing at all: a TLS handshake that never starts) and
 * then nothing more, and those the server closed are opened again, a hundredth of {@code size}
 * every {@value #STEP_MILLIS} ms (all of them in a second), until {@link #close}. Its connections come
 * from 127.0.0.1, or spread over many loopback addresses ({@value #PER_ADDRESS} from each of
 * 127.1.0.1, 127.1.0.2, ...), as a crowd of many hosts would. One thread, one selector.
 */
public final class Crowd implements AutoCloseable {

  /** Connections from each address of a spread crowd: as many as maxConnectionsPerAddress lets in by default. */
  public static final int PER_ADDRESS = 32;
  static final long STEP_MILLIS = 10;

  private final InetSocketAddress target;
  private final boolean spread;
  private final byte[] greeting;
  private final int size;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicLong opened = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final Thread thread;

  private Crowd(int port, String greeting, int size, boolean spread) {
    this.target = new InetSocketAddress("127.0.0.1", port);
    this.spread = spread;
    this.greeting = greeting.getBytes(StandardCharsets.US_ASCII);
    this.size = size;
    this.thread = new Thread(this::run, "crowd-" + port);
    thread.setDaemon(true);
  }

  /** Starts holding {@code size} connections to 127.0.0.1:{@code port}. */
  public static Crowd hold(int port, String greeting, int size) {
    return start(new Crowd(port, greeting, size, false));
  }

  /** Like {@link #hold}, from {@code size / PER_ADDRESS} addresses. */
  public static Crowd spread(int port, String greeting, int size) {
    return start(new Crowd(port, greeting, size, true));
  }

  private static Crowd start(Crowd crowd) {
    crowd.thread.start();
    return crowd;
  }

  /** Connections opened so far, reopened ones included. */
  public long opened() {
    return opened.get();
  }

  /** Waits until the crowd has opened {@code count} connections, reopened ones included; fails after {@code seconds}. */
  public void awaitOpened(long count, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (opened.get() < count) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the crowd opened " + opened.get() + " of " + count + " connections in " + seconds + " s");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  /** Connections that could not be opened (refused, reset in connecting). */
  public long failed() {
    return failed.get();
  }

  private void run() {
    try (Selector selector = Selector.open()) {
      int open = 0;
      long next = 0;
      long stepped = System.nanoTime();
      ByteBuffer sink = ByteBuffer.allocate(4096);
      while (!stop.get()) {
        int step = 0;
        if (System.nanoTime() - stepped >= TimeUnit.MILLISECONDS.toNanos(STEP_MILLIS)) {
          stepped = System.nanoTime();
          step = Math.max(1, size / 100);
        }
        for (; step > 0 && open < size; open++, step--) {
          SocketChannel channel = SocketChannel.open();
          channel.configureBlocking(false);
          if (spread) {
            // The next address in turn: each holds about PER_ADDRESS of the crowd's connections.
            long host = 1 + next++ % Math.max(1, size / PER_ADDRESS);
            channel.bind(new InetSocketAddress("127.1." + (host >> 8) + "." + (host & 0xff), 0));
          }
          channel.connect(target);
          channel.register(selector, SelectionKey.OP_CONNECT);
        }
        selector.select(STEP_MILLIS);
        for (SelectionKey key : selector.selectedKeys()) {
          SocketChannel channel = (SocketChannel) key.channel();
          try {
            if (key.isConnectable()) {
              channel.finishConnect();
              opened.incrementAndGet();
              channel.write(ByteBuffer.wrap(greeting));
              key.interestOps(SelectionKey.OP_READ);
            } else if (key.isReadable()) {
              sink.clear();
              if (channel.read(sink) < 0) {
                throw new IOException("closed by the server");
              }
            }
          } catch (IOException e) {
            if (key.isConnectable()) {
              failed.incrementAndGet();
            }
            key.cancel();
            channel.close();
            open--;
          }
        }
        selector.selectedKeys().clear();
      }
      for (SelectionKey key : selector.keys()) {
        key.channel().close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    stop.set(true);
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
