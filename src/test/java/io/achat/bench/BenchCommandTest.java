package io.achat.bench;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The command line: addresses round robin, several server pids, and clear errors for bad addresses. */
class BenchCommandTest {

  private static BenchCommand.Mode parse(String... args) {
    return (BenchCommand.Mode) new CommandLine(new BenchCommand()).parseArgs(args)
      .subcommand().commandSpec().userObject();
  }

  @Test
  void withoutAnAddressItIsLocalhost8080() {
    assertThat(parse("throughput").targets).containsExactly("localhost:8080");
  }

  @Test
  void takesSeveralAddressesInOrder() {
    assertThat(parse("latency", "--rate", "10", "a:1", "b:2", "c:3").targets).containsExactly("a:1", "b:2", "c:3");
  }

  @Test
  void serverPidsMayBeCommaSeparatedOrRepeated() {
    BenchCommand.Mode idle = parse("idle", "--server-pid", "11,12", "--server-pid", "13", "a:1", "b:2");
    assertThat(idle.serverPids()).containsExactly(11L, 12L, 13L);
    assertThat(idle.targets).containsExactly("a:1", "b:2");
    assertThat(parse("throughput", "--server-pid", "7", "a:1").serverPids()).containsExactly(7L);
    assertThat(parse("latency", "--server-pid", "8,9").serverPids()).containsExactly(8L, 9L);
  }

  @Test
  void aBadAddressAmongSeveralIsNamedAndNothingRuns() {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err));
    int status = command.execute("throughput", "127.0.0.1:1", "127.0.0.1:http", "127.0.0.1:3");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("expected HOST:PORT, not '127.0.0.1:http'");
  }

  @Test
  void webSocketAndTcpAddressesMix() {
    assertThat(parse("throughput", "127.0.0.1:8080", "ws://127.0.0.1:8081/ws").targets)
      .containsExactly("127.0.0.1:8080", "ws://127.0.0.1:8081/ws");
  }

  @Test
  void anUnsupportedSchemeIsNamedAndNothingRuns() {
    StringWriter err = new StringWriter();
    CommandLine command = new CommandLine(new BenchCommand()).setErr(new PrintWriter(err));
    int status = command.execute("throughput", "127.0.0.1:1", "wss://127.0.0.1:2/ws");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("unsupported scheme 'wss://' in 'wss://127.0.0.1:2/ws'");
  }

  @Test
  void theUsageMentionsWebSocketAddresses() {
    StringWriter out = new StringWriter();
    new CommandLine(new BenchCommand()).setOut(new PrintWriter(out)).execute("throughput", "--help");
    assertThat(out.toString().replaceAll("\\s+", "")).contains("HOST:PORT(TCP)orws://HOST:PORT/PATH");
  }

  @Test
  void addressesAreHostColonPortWithAPortThatExists() {
    assertThat(Address.parse("::1:8080")).isEqualTo(new Address("::1", 8080));
    for (String bad : new String[] {"localhost", ":8080", "localhost:", "localhost:0", "localhost:65536", "localhost:-1"}) {
      assertThatThrownBy(() -> Address.parse(bad))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'" + bad + "'");
    }
  }
}
