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

  /** Given back when the heap is exhausted, so that the last log line can still be written. */
  @SuppressWarnings("unused")
  private static volatile byte[] reserve = new byte[1 << 20];

  private Fatal() {
  }

  /** An error of the JVM (out of memory) reached {@code where}: logs it if it can, and ends the process. */
  static void jvmError(String where, Throwable error) {
    try {
      reserve = null;
      log.error("the JVM failed in " + where + " (" + error + "); a-chat cannot go on", error);
    } catch (Throwable nothingMoreToDo) {
      // not even the log line: the exit status says it
    } finally {
      halt(OUT_OF_MEMORY);
    }
  }

  static void exit(int status, String why, Throwable cause) {
    try {
      log.error(why, cause);
    } catch (Throwable nothingMoreToDo) {
      // not even the log line: the exit status says it
    } finally {
      halt(status);
    }
  }

  /** halt, not exit: the shutdown hook's clean stop needs the very event loops that no longer answer. */
  private static void halt(int status) {
    Runtime.getRuntime().halt(status);
  }

  /** Ends the process on an error of the JVM in any thread, such as the blocked-thread checker's. */
  static void onUncaughtErrors() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof VirtualMachineError) {
        jvmError("thread " + thread.getName(), e);
      } else if (previous != null) {
        previous.uncaughtException(thread, e);
      } else {
        log.error("uncaught exception in thread {}", thread.getName(), e);
      }
    });
  }
}
