package io.achat;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.ThreadReference;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.AttachingConnector;
import com.sun.jdi.connect.Connector;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real jar whose event loops stop answering: a debugger suspends their threads (and only
 * theirs), as an endless loop or a blocking call in a handler would hold them. The server must
 * not stay up without serving.
 */
class WatchdogIT {

  @Test
  void eventLoopsThatDoNotAnswerForMaxBlockedMillisEndTheProcessWithANonZeroStatus() throws Exception {
    try (JarProcess server = JarProcess.start(Map.of(),
      List.of("-Xmx128m", "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0"),
      "-conf", "{\"host\":\"127.0.0.1\",\"port\":0,\"maxBlockedMillis\":2000}")) {
      int debugPort = Integer.parseInt(server.await(
        Pattern.compile("Listening for transport dt_socket at address: (\\d+)"), 60).group(1));
      int port = server.port();
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice")) {
        alice.sync();
      }
      VirtualMachine vm = attach(debugPort);
      try {
        long suspended = vm.allThreads().stream().filter(t -> t.name().startsWith("vert.x-eventloop-thread-"))
          .peek(ThreadReference::suspend).count();
        assertThat(suspended).isPositive();
        assertThat(server.exitStatus(30)).as("exit status").isEqualTo(4);
      } finally {
        try {
          vm.dispose();
        } catch (RuntimeException gone) {
          // the process has exited
        }
      }
      assertThat(server.output()).anyMatch(line -> line.matches(".*the event loop of .* has not answered for \\d+ ms"
        + " \\(maxBlockedMillis 2000\\); a-chat cannot go on.*"));
    }
  }

  @Test
  void aProcessStoppedForLongerThanMaxBlockedMillisGoesOnServingWhenContinued() throws Exception {
    try (JarProcess server = JarProcess.start(Map.of(), List.of("-Xmx128m"),
      "-conf", "{\"host\":\"127.0.0.1\",\"port\":0,\"maxBlockedMillis\":2000}")) {
      int port = server.port();
      server.signal("STOP");
      try {
        // Stopped: it cannot exit; this only lets the time pass, three times maxBlockedMillis.
        assertThat(server.exitsWithin(6)).isFalse();
      } finally {
        server.signal("CONT");
      }
      try (LineClient alice = LineClient.login("127.0.0.1", port, "alice");
           LineClient bob = LineClient.login("127.0.0.1", port, "bob")) {
        alice.send("bob: still here");
        assertThat(bob.readLine()).isEqualTo("from alice: still here");
        assertThat(server.exitsWithin(4)).as("exited after it was continued: %s", server.output()).isFalse();
      }
      server.signal("TERM");
      assertThat(server.exitStatus(30)).isZero();
    }
  }

  private static VirtualMachine attach(int port) throws Exception {
    AttachingConnector socket = Bootstrap.virtualMachineManager().attachingConnectors().stream()
      .filter(c -> c.name().equals("com.sun.jdi.SocketAttach")).findFirst().orElseThrow();
    Map<String, Connector.Argument> arguments = socket.defaultArguments();
    arguments.get("hostname").setValue("127.0.0.1");
    arguments.get("port").setValue(Integer.toString(port));
    arguments.get("timeout").setValue("20000");
    return socket.attach(arguments);
  }
}
