package io.achat.server;

import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Slf4JLoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Turns Netty's warning about a failed {@code accept} for lack of file descriptors into one
 * line that says what to do. Netty itself keeps the listening socket open and stops accepting
 * for a second, then resumes by itself; it reports the failure only as an unhandled exception
 * with a stack trace at the end of the server channel's pipeline, which Vert.x does not expose.
 */
public final class AcceptFailureLog extends Slf4JLoggerFactory {

  private static final String PIPELINE_LOGGER = "io.netty.channel.DefaultChannelPipeline";
  private static final Logger log = LoggerFactory.getLogger(AcceptFailureLog.class);

  /** Read at start: once descriptors have run out, even reading the limit would need one. */
  private final String limit;

  private AcceptFailureLog(String limit) {
    this.limit = limit;
  }

  /** Must run before Netty's first channel is created. */
  public static void install() {
    String limit = "unknown";
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
      limit = Long.toString(os.getMaxFileDescriptorCount());
    }
    InternalLoggerFactory.setDefaultFactory(new AcceptFailureLog(limit));
  }

  @Override
  public InternalLogger newInstance(String name) {
    InternalLogger netty = super.newInstance(name);
    if (!name.equals(PIPELINE_LOGGER)) {
      return netty;
    }
    return (InternalLogger) Proxy.newProxyInstance(InternalLogger.class.getClassLoader(),
      new Class<?>[] {InternalLogger.class}, (proxy, method, args) -> {
        if (isOutOfFileDescriptors(method, args)) {
          log.error("cannot accept a connection: Too many open files (limit {}); accepting pauses for 1 s."
            + " Raise the open-file limit (ulimit -n) or lower maxConnections", limit);
          return null;
        }
        try {
          return method.invoke(netty, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
  }

  private static boolean isOutOfFileDescriptors(Method method, Object[] args) {
    if (!method.getName().equals("warn") || args == null) {
      return false;
    }
    for (Object arg : args) {
      if (arg instanceof IOException e && e.getMessage() != null && e.getMessage().contains("Too many open files")) {
        return true;
      }
    }
    return false;
  }
}
