package io.achat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How the server ends when it cannot go on: a clear log line, then a non-zero exit status. */
final class Fatal {

  /** The JVM ran out of memory (the status the image's {@code -XX:+ExitOnOutOfMemoryError} gives too). */
  static final int OUT_OF_MEMORY = 3;
  /** An event loop did not answer for maxBlockedMillis. */
  static final int BLOCKED = 4;

  private static final Logger log = LoggerFactory.getLogger(Fatal.class);

  private Fatal() {
  }

  static void exit(int status, String why, Throwable cause) {
    try {
      log.error(why, cause);
    } finally {
      // halt, not exit: the shutdown hook's clean stop needs the very event loops that no longer answer.
      Runtime.getRuntime().halt(status);
    }
  }

  /** Ends the process on an error of the JVM in any thread, such as the blocked-thread checker's. */
  static void onUncaughtErrors() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof VirtualMachineError) {
        exit(OUT_OF_MEMORY, "the JVM failed in thread " + thread.getName() + " (" + e + "); a-chat cannot go on", e);
      } else if (previous != null) {
        previous.uncaughtException(thread, e);
      } else {
        log.error("uncaught exception in thread {}", thread.getName(), e);
      }
    });
  }
}
