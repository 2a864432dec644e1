package io.achat;

import io.achat.support.JarProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bundled benchmark's {@code failover} mode, once: three nodes of the jar started as an
 * operator would, node 3 killed once they settled, and the time until node 1 lets its users in.
 */
@Timeout(240)
class FailoverBenchIT {

  @TempDir
  Path logs;

  @Test
  void killsANodeOfThreeAndReportsWhenASurvivorLetsItsUsersIn() throws Exception {
    JarProcess bench = JarProcess.start(Map.of(), List.of("-Xmx256m"), "bench", "failover", "--cases", "kill-settled",
      "--runs", "1", "--users", "2", "--settle", "2", "--timeout", "60", "--logs", logs.toString());
    assertThat(bench.exitStatus(200)).as("exit status, output: %s", bench.output()).isZero();
    String report = String.join("\n", bench.output());
    Matcher row = Pattern.compile("kill -9, cluster settled\\s+1\\s+([0-9.]+)\\s+([0-9.]+)\\s+([0-9.]+)").matcher(report);
    assertThat(row.find()).as("a row for the case in %s", report).isTrue();
    double seconds = Double.parseDouble(row.group(1));
    // Hazelcast drops a killed member within a second here; the bound leaves room for a loaded CI machine.
    assertThat(seconds).as("seconds until node 1 let every user in").isPositive().isLessThan(20);
    try (Stream<Path> files = Files.walk(logs)) {
      assertThat(files.filter(file -> file.getFileName().toString().matches("node[123]\\.log")).count())
        .as("the three nodes' logs kept").isEqualTo(3);
    }
  }
}
