package io.achat.support;

import io.achat.bench.BenchCommand;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The bundled benchmark run in the test's JVM: its exit status and the report it printed. */
public record BenchRun(int status, String report) {

  /** Runs {@code a-chat bench ARGS}; the report is what it wrote to standard output. */
  public static synchronized BenchRun of(String... args) {
    PrintStream out = System.out;
    ByteArrayOutputStream report = new ByteArrayOutputStream();
    System.setOut(new PrintStream(report, true, StandardCharsets.UTF_8));
    try {
      int status = BenchCommand.main(args);
      return new BenchRun(status, report.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
    }
  }
}
