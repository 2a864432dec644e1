package io.achat.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's CPU time as /proc gives it. */
@Timeout(10)
class CpuTest {

  /** A command name may hold spaces and parentheses: the fields count from the last ')'. */
  @Test
  void utimeAndStimeAreReadAfterTheCommandName() {
    String stat = "4242 (java (a) b) S 1 4242 4242 0 -1 4194560 76120 0 12 0 250 31 0 0 20 0 41 0 123 0 0";
    assertThat(Cpu.parse(stat)).isEqualTo((250 + 31) * Cpu.NANOS_PER_TICK);
  }

  @Test
  void aRunningProcessHasUsedSomeAndAMissingOneIsNotReadAsZero() {
    long self = ProcessHandle.current().pid();
    assertThat(Cpu.of(self)).isPositive();
    assertThat(Cpu.of(Long.MAX_VALUE)).isEqualTo(-1);
    assertThat(Cpu.total(List.of(self, Long.MAX_VALUE))).isEqualTo(-1);
    assertThat(Cpu.total(List.of())).isEqualTo(-1);
    assertThat(Cpu.total(List.of(self, self))).isGreaterThanOrEqualTo(2 * Cpu.of(self) - 2 * Cpu.NANOS_PER_TICK);
  }
}
