package io.achat.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;

/**
 * The last handler of a listening socket's pipeline: turns a failed {@code accept} into one log
 * line, with what to do when file descriptors ran out. Netty's acceptor, just before it, has
 * already stopped accepting for a second (it resumes by itself); without this handler the
 * failure would reach the end of the pipeline and be logged as an unhandled exception with a
 * stack trace.
 */
final class AcceptFailureLog extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(AcceptFailureLog.class);

  /** Read at start: once descriptors have run out, even reading the limit would need one. */
  private final String limit;

  AcceptFailureLog() {
    String max = "unknown";
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      max = Long.toString(os.getMaxFileDescriptorCount());
    }
    this.limit = max;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException && cause.getMessage() != null && cause.getMessage().contains("Too many open files")) {
      log.error("cannot accept a connection: Too many open files (limit {}); accepting pauses for 1 s."
        + " Raise the open-file limit (ulimit -n) or lower maxConnections", limit);
    } else {
      log.warn("cannot accept a connection: {}; accepting pauses for 1 s", cause.toString());
    }
  }
}
