package io.achat;

import io.achat.support.Background;
import io.achat.support.ClusterFixture;
import io.achat.support.JarProcess;
import io.achat.support.LineClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static io.achat.support.Presence.awaitSeen;
import static io.achat.support.Presence.next;
import static io.achat.support.Presence.withoutProbes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three cluster nodes of the jar as separate processes, started as {@code bench failover} starts
 * them ({@code java -Xmx256m -jar a-chat.jar -cluster}, the {@code ACHAT_CLUSTER_*} variables,
 * TCP-IP join on 127.0.0.1, one after the other): node 3 killed or hung right after it started
 * listening, while Hazelcast still moves partitions to it, and its users let in again on node 1
 * and node 2 in time; node 3 stopped for less than the failure timeout, and none of its users
 * lost. Each test keeps the nodes' output in {@code target/ClusterFailoverIT/<test>/}.
 */
class ClusterFailoverIT {

  private static final String HOST = "127.0.0.1";
  private static final int NODES = 3;
  private static final Pattern ALL_MEMBERS = Pattern.compile("Members \\{size:" + NODES + "\\b");
  /** Node 1, the master, once the partitions a join moved are in place. */
  private static final Pattern MIGRATED = Pattern.compile("All migration tasks have been completed");
  /** What a broker logs when it takes a node for gone (ClusterRouting.nodeGone). */
  private static final Pattern NODE_GONE = Pattern.compile("a-chat node \\S+ (is gone|left the cluster)");

  /** The users of node 3 tried again on node 1 (odd) and node 2 (even) after the signal. */
  private static final int VICTIMS = 16;
  /** One more user of node 3, never tried again: it should end up not connected. */
  private static final String ABSENT = "victim" + (VICTIMS + 1);
  private static final long POLL_MILLIS = 50;

  /**
   * After {@code kill -9}: every user let in within this many seconds of the signal. The target
   * is 1 s (bench failover measured 0.5 s, this test 0.6-0.8 s on two cores); before the handover
   * of a dropped node's logins it took about 3.9 s for the logins whose map entries were on the
   * move, so the bound stays below that.
   */
  private static final double KILL_SECONDS = 3.0;
  /**
   * After {@code SIGSTOP}: Hazelcast drops the member 5 s after its last heartbeat; target 6 s
   * (this test measured 4.7-5.2 s; before the handover 8-14 s).
   */
  private static final double HANG_SECONDS = 8.0;
  /** How long the logins are tried at most, past the bound, so that a failure says how long it took. */
  private static final int KILL_POLL_SECONDS = 10;
  private static final int HANG_POLL_SECONDS = 20;

  @Test
  @Timeout(value = 100, unit = TimeUnit.SECONDS)
  void killRightAfterAJoin(TestInfo test) throws Exception {
    try (Cluster cluster = new Cluster(test)) {
      cluster.start();
      try (LineClient watcher = LineClient.login(HOST, cluster.port(0), "watcher")) {
        cluster.start();
        cluster.start();
        // At once: Hazelcast is still moving partitions to node 3.
        List<LineClient> victims = loginVictims(cluster, VICTIMS + 1);
        try (LineClient presence = LineClient.login(HOST, cluster.port(1), "presence")) {
          awaitSeen(watcher, ABSENT);
          presence.send("/watch " + ABSENT);
          assertThat(presence.readLine()).isEqualTo("online: " + ABSENT);
          cluster.node(2).signal("KILL");
          long signalled = System.nanoTime();
          assertThat(presence.readLine()).as("a watcher on node 2").isEqualTo("offline: " + ABSENT);
          double told = (System.nanoTime() - signalled) / 1e9;
          System.out.printf(Locale.ROOT, "killRightAfterAJoin: a watcher of '%s' on node 2 told it is offline %.2f s after"
            + " kill -9%n", ABSENT, told);
          assertThat(told).as("seconds from kill -9 until a watcher of %s is told", ABSENT).isLessThan(KILL_SECONDS);
          allLetInAgain(cluster, signalled, KILL_POLL_SECONDS, KILL_SECONDS, "kill -9");

          double absent = awaitNotConnected(watcher, ABSENT, signalled, KILL_POLL_SECONDS);
          System.out.printf(Locale.ROOT, "killRightAfterAJoin: '%s' not connected on node 1 %.2f s after kill -9%n",
            ABSENT, absent);
          assertThat(absent).as("seconds from kill -9 until a line to %s on node 1 is answered 'not connected'", ABSENT)
            .isLessThan(KILL_SECONDS);
        } finally {
          victims.forEach(LineClient::close);
        }
      }
    }
  }

  @Test
  @Timeout(value = 100, unit = TimeUnit.SECONDS)
  void hangRightAfterAJoin(TestInfo test) throws Exception {
    try (Cluster cluster = new Cluster(test)) {
      for (int i = 0; i < NODES; i++) {
        cluster.start();
      }
      List<LineClient> victims = loginVictims(cluster, VICTIMS);
      try {
        cluster.node(2).signal("STOP");
        long signalled = System.nanoTime();
        try {
          allLetInAgain(cluster, signalled, HANG_POLL_SECONDS, HANG_SECONDS, "SIGSTOP");
        } finally {
          cluster.node(2).signal("KILL"); // stopped, it takes only this; no merge back
        }
      } finally {
        victims.forEach(LineClient::close);
      }
    }
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void briefPausesLoseNobody(TestInfo test) throws Exception {
    try (Cluster cluster = new Cluster(test)) {
      for (int i = 0; i < NODES; i++) {
        cluster.start();
      }
      cluster.awaitSettled(60);
      List<LineClient> stays = IntStream.rangeClosed(1, 5)
        .mapToObj(i -> LineClient.login(HOST, cluster.port(2), "stay" + i)).toList();
      try (LineClient sender1 = LineClient.login(HOST, cluster.port(0), "sender1");
           LineClient sender2 = LineClient.login(HOST, cluster.port(1), "sender2")) {
        for (LineClient stay : stays) {
          awaitSeen(sender1, stay.login());
          awaitSeen(sender2, stay.login());
        }
        awaitSeen(stays.get(0), "sender1");
        awaitSeen(stays.get(0), "sender2");
        String everyone = String.join(", ", stays.stream().map(LineClient::login).toList());
        for (long pause : new long[] {1500, 3000}) {
          String during = "sent while node 3 stopped for " + pause + " ms";
          cluster.node(2).freeze(pause, () -> {
            sender1.send(everyone + ": " + during);
            sender2.send(everyone + ": " + during);
          });
          long continued = System.nanoTime();
          for (LineClient stay : stays) {
            List<String> got = List.of(next(stay), next(stay));
            assertThat(got).as("what %s got of the lines sent while node 3 was stopped", stay.login())
              .containsExactlyInAnyOrder("from sender1: " + during, "from sender2: " + during);
          }
          allStillThere(cluster, stays, sender1, sender2, "a pause of " + pause + " ms");
          System.out.printf(Locale.ROOT, "briefPausesLoseNobody: after a pause of %d ms every user of node 3 "
            + "answered within %.2f s of SIGCONT%n", pause, seconds(System.nanoTime() - continued));
        }
      } finally {
        stays.forEach(LineClient::close);
      }
      for (int i = 0; i < NODES; i++) {
        assertThat(cluster.node(i).output()).as("node %d's log", i + 1).noneMatch(line -> NODE_GONE.matcher(line).find());
      }
    }
  }

  /** Every victim is let in again on node 1 or node 2 within {@code bound} seconds of {@code signal}. */
  private static void allLetInAgain(Cluster cluster, long signalled, int pollSeconds, double bound, String signal)
    throws Exception {
    Map<String, Double> freed = freeAgain(cluster, signalled, pollSeconds);
    System.out.printf(Locale.ROOT, "seconds from %s until let in again: %s%n", signal, freed);
    assertThat(freed).as("seconds from %s of node 3 until each of its users was let in on node 1 or 2", signal)
      .allSatisfy((victim, seconds) -> assertThat(seconds).as(victim).isLessThan(bound));
  }

  /**
   * The lines sent to node 3's users while it was stopped reached each, and after it:
   * sender1 (node 1) reaches every user of node 3, each answers both senders (node 1, node 2),
   * and their logins are still taken on node 1 and node 2.
   */
  private static void allStillThere(Cluster cluster, List<LineClient> stays, LineClient sender1, LineClient sender2,
                                    String after) {
    List<String> names = stays.stream().map(LineClient::login).toList();
    sender1.send(String.join(", ", names) + ": still here after " + after + "?");
    assertThat(withoutProbes(sender1.sync())).as("sender1's answers after %s", after).isEmpty();
    for (LineClient stay : stays) {
      assertThat(next(stay)).as("%s after %s", stay.login(), after).isEqualTo("from sender1: still here after " + after + "?");
    }
    for (LineClient stay : stays) {
      stay.send("sender1, sender2: " + stay.login() + " here after " + after);
    }
    List<String> answers = names.stream().map(name -> "from " + name + ": " + name + " here after " + after).toList();
    for (LineClient sender : List.of(sender1, sender2)) {
      List<String> got = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        got.add(next(sender));
      }
      assertThat(got).as("what %s got back after %s", sender.login(), after).containsExactlyInAnyOrderElementsOf(answers);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    assertThat(attempt(cluster.port(0), "stay1", deadline)).as("stay1 logging in on node 1 after %s", after)
      .isEqualTo("error: login 'stay1' is taken");
    assertThat(attempt(cluster.port(1), "stay2", deadline)).as("stay2 logging in on node 2 after %s", after)
      .isEqualTo("error: login 'stay2' is taken");
  }

  /** {@code victim1} ... on node 3, each logged in once its broker has told the others. */
  private static List<LineClient> loginVictims(Cluster cluster, int count) {
    List<LineClient> victims = new ArrayList<>();
    try {
      for (int i = 1; i <= count; i++) {
        victims.add(LineClient.login(HOST, cluster.port(2), "victim" + i));
      }
      return victims;
    } catch (RuntimeException | AssertionError e) {
      victims.forEach(LineClient::close);
      throw e;
    }
  }

  /**
   * Tries each of {@code victim1} ... {@code victimVICTIMS} every {@link #POLL_MILLIS} ms, the odd
   * ones on node 1 and the even ones on node 2, all at once, until let in or {@code seconds} after
   * {@code signalled}: the seconds from the signal until each was let in, in order. One not let in
   * fails the test.
   */
  private static Map<String, Double> freeAgain(Cluster cluster, long signalled, int seconds) {
    long end = signalled + TimeUnit.SECONDS.toNanos(seconds);
    Map<String, CompletableFuture<Double>> tries = new LinkedHashMap<>();
    for (int i = 1; i <= VICTIMS; i++) {
      String victim = "victim" + i;
      int port = cluster.port(i % 2 == 1 ? 0 : 1);
      tries.put(victim, Background.supply(() -> {
        String answer = "not tried";
        while (System.nanoTime() - end < 0) {
          long attempted = System.nanoTime();
          answer = attempt(port, victim, end);
          if (answer == null) {
            return seconds(System.nanoTime() - signalled);
          }
          // The pace of the attempts, not a wait for anything.
          LockSupport.parkNanos(attempted + TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS) - System.nanoTime());
        }
        throw new AssertionError(victim + " still not let in on port " + port + " " + seconds
          + " s after the signal; the last answer: " + answer);
      }));
    }
    Map<String, Double> freed = new LinkedHashMap<>();
    tries.forEach((victim, tried) -> freed.put(victim, Background.await(tried, seconds + 30L)));
    return freed;
  }

  /**
   * Sends {@code who} a line from {@code from} every {@link #POLL_MILLIS} ms until the answer is
   * that {@code who} is not connected: the seconds since {@code signalled}; fails {@code seconds}
   * after it.
   */
  private static double awaitNotConnected(LineClient from, String who, long signalled, int seconds) {
    long end = signalled + TimeUnit.SECONDS.toNanos(seconds);
    List<String> answers = List.of();
    while (System.nanoTime() - end < 0) {
      long sent = System.nanoTime();
      from.send(who + ": are you there?");
      answers = from.sync();
      if (answers.contains("error: not connected: " + who)) {
        return seconds(System.nanoTime() - signalled);
      }
      LockSupport.parkNanos(sent + TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS) - System.nanoTime());
    }
    throw new AssertionError(who + " still not 'not connected' " + seconds + " s after the signal; the last answers: "
      + answers);
  }

  /**
   * One login of {@code login} on {@code port}, then a line to itself: {@code null} when that line
   * came back (let in), else the server's first answer. Waits no later than {@code deadline}.
   */
  private static String attempt(int port, String login, long deadline) {
    try (Socket socket = new Socket()) {
      int millis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      socket.connect(new InetSocketAddress(HOST, port), millis);
      socket.setSoTimeout(millis);
      socket.setTcpNoDelay(true);
      OutputStream out = socket.getOutputStream();
      out.write((login + "\n" + login + ": mine?\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      String answer = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
        .readLine();
      return ("from " + login + ": mine?").equals(answer) ? null : String.valueOf(answer);
    } catch (SocketTimeoutException e) {
      return "no answer in time";
    } catch (IOException e) {
      return "failed: " + e;
    }
  }

  private static double seconds(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }

  /**
   * Up to three nodes of one new cluster, started one after the other as an operator starts them;
   * closing kills them all and keeps their output.
   */
  private static final class Cluster implements AutoCloseable {

    private final String test;
    private final List<String> memberPorts = new ArrayList<>();
    private final String name = "a-chat-failover-it-" + UUID.randomUUID();
    private final List<JarProcess> nodes = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    Cluster(TestInfo test) {
      this.test = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse(test.getDisplayName());
      for (int i = 0; i < NODES; i++) {
        memberPorts.add(Integer.toString(ClusterFixture.freePort()));
      }
    }

    /** Starts the next node and waits until it listens: it has joined the cluster of those before it. */
    void start() throws InterruptedException {
      int i = nodes.size();
      Map<String, String> env = new HashMap<>();
      env.put("ACHAT_HOST", HOST);
      env.put("ACHAT_PORT", "0");
      env.put("ACHAT_WEB_PORT", "0");
      env.put("ACHAT_MANAGEMENT_PORT", "0");
      env.put("ACHAT_CLUSTER_HOST", HOST);
      env.put("ACHAT_CLUSTER_PORT", memberPorts.get(i));
      env.put("ACHAT_CLUSTER_MEMBERS", String.join(",", memberPorts.stream().map(port -> HOST + ":" + port).toList()));
      env.put("ACHAT_CLUSTER_NAME", name);
      JarProcess node = JarProcess.start(env, List.of("-Xmx256m"), "-cluster");
      nodes.add(node);
      ports.add(node.port());
    }

    JarProcess node(int i) {
      return nodes.get(i);
    }

    int port(int i) {
      return ports.get(i);
    }

    /**
     * Waits until every node's member list has all three, and node 1 (the master) has logged since
     * that its migrations are done.
     */
    void awaitSettled(int seconds) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      int joined = awaitLine(nodes.get(0), 0, ALL_MEMBERS, end);
      for (JarProcess node : nodes.subList(1, nodes.size())) {
        awaitLine(node, 0, ALL_MEMBERS, end);
      }
      awaitLine(nodes.get(0), joined, MIGRATED, end);
    }

    /** The index of the first line of {@code node}'s output from {@code from} on that matches; polls until {@code end}. */
    private static int awaitLine(JarProcess node, int from, Pattern pattern, long end) {
      while (true) {
        List<String> output = node.output();
        for (int i = Math.max(0, from); i < output.size(); i++) {
          if (pattern.matcher(output.get(i)).find()) {
            return i;
          }
        }
        if (System.nanoTime() - end >= 0) {
          throw new AssertionError("no line matching " + pattern + " in time; output: " + output);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // the pace of the look, not a wait for anything
      }
    }

    @Override
    public void close() {
      nodes.forEach(JarProcess::close);
      Path folder = JarProcess.jar().toAbsolutePath().getParent().resolve("ClusterFailoverIT").resolve(test);
      try {
        Files.createDirectories(folder);
        for (int i = 0; i < nodes.size(); i++) {
          // Ended, so that the next test starts on a quiet machine and its output is whole.
          nodes.get(i).exitsWithin(10);
          Files.write(folder.resolve("node" + (i + 1) + ".log"), nodes.get(i).output());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
