package io.achat.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the server started from the command line ends when it cannot go on: a clear log line,
 * then a non-zero exit status. Embedded, nothing calls it: an application's process is not
 * a-chat's to end.
 */
public final class Fatal {

  /** The JVM ran out of memory (the status the image's {@code -XX:+ExitOnOutOfMemoryError} gives too). */
  public static final int OUT_OF_MEMORY = 3;
  /** An event loop did not answer for maxBlockedMillis. */
  public static final int BLOCKED = 4;

  private static final Logger log = LoggerFactory.getLogger(Fatal.class);

  /** Given back when the heap is exhausted, so that the last log line can still be written. */
  @SuppressWarnings("unused")
  private static volatile byte[] reserve = new byte[1 << 20];

  private Fatal() {
  }

  /*
   * Where an error of the JVM was caught: numbers, not strings, because a string constant is
   * made on the heap the first time its line runs, and by then the heap may have no room for it.
   */
  public static final int IN_AN_EVENT_LOOP = 1;
  static final int IN_THE_WATCHDOG = 2;

  /** An error of the JVM (out of memory) reached {@code where}: logs it if it can, and ends the process. */
  public static void jvmError(int where, Throwable error) {
    jvmError(where, null, error);
  }

  /** An error of the JVM ended {@code thread}. */
  private static void jvmError(Thread thread, Throwable error) {
    jvmError(0, thread, error);
  }

  private static void jvmError(int where, Thread thread, Throwable error) {
    try {
      reserve = null;
      String place = thread != null ? "thread " + thread.getName()
        : where == IN_THE_WATCHDOG ? "the loop watchdog" : "an event loop";
      log.error("the JVM failed in " + place + " (" + error + "); a-chat cannot go on", error);
    } catch (Throwable nothingMoreToDo) {
      // not even the log line: the exit status says it
    } finally {
      halt(OUT_OF_MEMORY);
    }
  }

  /** Logs {@code why} if it can, and ends the process with {@code status}. */
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
  public static void onUncaughtErrors() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof VirtualMachineError) {
        jvmError(thread, e);
      } else if (previous != null) {
        previous.uncaughtException(thread, e);
      } else {
        log.error("uncaught exception in thread {}", thread.getName(), e);
      }
    });
  }
}
