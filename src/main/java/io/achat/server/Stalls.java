package io.achat.server;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.transport.Transport;
import org.slf4j.Logger;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a client that takes none of what is queued for it is let go after stallTimeoutMillis, and
 * only such a client: neither an idle one nor one the server itself kept waiting (a long
 * collection, a throttled container, a process stopped and continued).
 *
 * <ul>
 *   <li>{@link #KERNEL}, on Netty's native transport on Linux 5.11 or later: the socket's
 *       {@code TCP_USER_TIMEOUT}. The kernel aborts a connection whose data stays unacknowledged,
 *       or whose client keeps its window shut, for that long, whether the bytes wait in a-chat's
 *       queue or in the kernel's send buffer; the abort closes it without flushing. It measures
 *       the client, not the JVM, and an idle connection costs no timer and no write.</li>
 *   <li>{@link #CLOCK}, elsewhere (NIO, or an older kernel): Vert.x's idle timer, which
 *       closes a socket without flushing once neither a read nor a completed write moved it for
 *       stallTimeoutMillis, and the accept loop's heartbeat, which writes nothing to every
 *       connection with nothing queued before the timer could fire (see
 *       {@link Output}). Both count the JVM's clock, which runs on while the
 *       process is stopped: a heartbeat that comes late writes nothing to every connection with
 *       nothing queued, but Netty schedules each idle check from the last activity it saw when
 *       it last ran, so a check can fall due before the heartbeat and, run after the pause,
 *       find the socket silent too long: a pause longer than about stallTimeoutMillis may drop
 *       some quiet clients. The public API has nothing else that ends a socket whose output does
 *       not drain ({@code close()} flushes first), so only a stallTimeoutMillis above the
 *       longest pause keeps them all. Nor is a client let go that stops reading while less than
 *       its socket's send buffer is queued for it: Vert.x's queue is empty and the kernel's is
 *       not visible.</li>
 * </ul>
 */
public enum Stalls {
  KERNEL,
  CLOCK;

  /**
   * What {@code vertx}'s transport allows: the kernel's timeout needs epoll or io_uring, on a
   * Linux that applies it to a client keeping its window shut (5.11 and later; the 5.4 and 5.10
   * stable kernels that took the fix are not told apart from those that did not, and keep the
   * idle timer).
   */
  public static Stalls of(Vertx vertx) {
    return vertx.isNativeTransportEnabled() && linux() && windowFixed(System.getProperty("os.version", ""))
      ? KERNEL : CLOCK;
  }

  private static boolean linux() {
    return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
  }

  /** Whether Linux {@code version} ("6.1.0-13-amd64") is 5.11 or later. */
  static boolean windowFixed(String version) {
    Matcher m = KERNEL_VERSION.matcher(version);
    if (!m.lookingAt()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    return major > 5 || major == 5 && minor >= 11;
  }

  private static final Pattern KERNEL_VERSION = Pattern.compile("(\\d{1,4})\\.(\\d{1,4})");

  /** Sets up {@code options} for a client stalled that long to be let go. */
  NetServerOptions apply(NetServerOptions options, long stallTimeoutMillis) {
    if (this == KERNEL) {
      return kernelOnly(options, stallTimeoutMillis);
    }
    return options.setIdleTimeout((int) stallTimeoutMillis).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * The kernel's part alone, for a port whose connections have an idle rule of their own (the
   * web port's WebSockets, which cannot be written nothing): nothing where the kernel does not
   * let go.
   */
  <T extends NetServerOptions> T kernelOnly(T options, long stallTimeoutMillis) {
    if (this == KERNEL) {
      options.setTcpUserTimeout((int) Math.max(MIN_USER_TIMEOUT_MILLIS, stallTimeoutMillis - PROBE_DELAY_MILLIS));
    }
    return options;
  }

  /**
   * How much earlier than stallTimeoutMillis the kernel's timeout is set: it counts from its
   * first probe of the shut window, which comes at least a retransmission timeout (200 ms)
   * after the window closed, and aborts at a probe; measured here, a client cut off after its
   * window closed was let go 1.6-2.1 s later with the timeout at 1.5 s.
   */
  static final long PROBE_DELAY_MILLIS = 500;
  private static final long MIN_USER_TIMEOUT_MILLIS = 100;

  /** Says once, at startup, which transport runs and so how stalled clients are let go. */
  public static void logTransport(Vertx vertx, Logger log) {
    if (of(vertx) == KERNEL) {
      Transport transport = Transport.nativeTransport();
      log.info("transport: native ({}); the kernel lets go of a client that takes nothing (TCP_USER_TIMEOUT)",
        transport == null ? "?" : transport.name());
    } else if (vertx.isNativeTransportEnabled()) {
      log.info("transport: native, on a system whose TCP_USER_TIMEOUT does not cover a shut window ({} {});"
        + " an idle timer lets go of a client that takes nothing", System.getProperty("os.name"),
        System.getProperty("os.version"));
    } else {
      Throwable why = vertx.unavailableNativeTransportCause();
      log.info("transport: NIO ({}); an idle timer lets go of a client that takes nothing",
        why == null ? "the native transport was not asked for" : "the native transport is unavailable: " + why);
    }
  }
}
