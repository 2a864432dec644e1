package io.achat.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * {@code a-chat bench failover}: how long the users of a node that dies ({@code kill -9}) or hangs
 * ({@code SIGSTOP}) wait before a surviving node lets their logins in again. Each run starts three
 * nodes of a new cluster on this machine as an operator would ({@code java -Xmx256m -jar a-chat.jar
 * -cluster}, the {@code ACHAT_CLUSTER_*} variables, TCP-IP join on 127.0.0.1), logs {@code --users}
 * users in on node 3 ({@code victim1}, {@code victim2}, ...), signals node 3 and times from the
 * signal until a survivor accepts a login of each, tried every {@code --poll} ms on the survivors
 * by turns. The report gives when the first and when the last was let in: a claim through the
 * cluster-wide map waits for Hazelcast to repair its partition table when the login's entry sat
 * on the dead node or was on the move. The signal comes once the cluster has settled
 * ({@code --settle} seconds after every node's member list showed all three) or right after
 * node 3 started listening, while Hazelcast still moves partitions to it; node 2 may leave
 * (SIGTERM) at the same moment, a survivor's user may flood the victims with lines throughout,
 * and node 1, the oldest member, may be the one signalled instead ({@link FailoverCase}). Every
 * case is run {@code --runs} times, each with three new nodes; the report gives the minimum,
 * median and maximum of each, and when the first survivor logged, after the signal, the steps
 * between: Hazelcast's member list without the victim, the broker's "node is gone", the logins
 * freed in the map. The nodes' logs are kept, one folder per run.
 */
@Command(name = "failover", mixinStandardHelpOptions = true, sortOptions = false,
  description = "Starts three cluster nodes on this machine (java -jar A-CHAT.JAR -cluster, TCP-IP join on 127.0.0.1), "
    + "logs --users users in on node 3 (node 1 in the -oldest cases), kills (kill -9) or stops (SIGSTOP) it, and times "
    + "from the signal until a survivor (tried by turns) accepts a login of each of them. Each case is run --runs times "
    + "with new nodes; prints minimum, median and maximum per case, and when the first survivor logged the steps between.")
public final class Failover implements Callable<Integer> {

  private static final String VICTIM = "victim";
  private static final int NODES = 3;
  private static final Pattern ALL_MEMBERS = Pattern.compile("Members \\{size:" + NODES + "\\b");

  /** Hazelcast's log lines as the master (node 1) starts moving partitions, and once they are where they belong. */
  private static final Pattern REPARTITIONING = Pattern.compile("Repartitioning cluster data");
  private static final Pattern MIGRATED = Pattern.compile("All migration tasks have been completed");

  /** What the first survivor logs after the signal, in the order it should: the steps from the signal to the login. */
  private static final Map<String, Pattern> STEPS = stepsInOrder();

  private static Map<String, Pattern> stepsInOrder() {
    Map<String, Pattern> steps = new LinkedHashMap<>();
    steps.put("member removed", Pattern.compile("Members \\{size:" + (NODES - 1) + "\\b"));
    steps.put("broker: node gone", Pattern.compile("a-chat node \\S+ (is gone|left the cluster)"));
    steps.put("logins freed", Pattern.compile("the logins of node \\S+ are free again"));
    steps.put("repartitioning", REPARTITIONING);
    return Collections.unmodifiableMap(steps);
  }

  /** How long a flood runs before the signal. */
  private static final long FLOOD_MILLIS = 3000;

  /** How long the report waits, after the login, for the first survivor's broker to log that the node is gone. */
  private static final long STRAGGLERS_MILLIS = 3000;


  @Spec
  CommandSpec spec;

  @Option(names = "--cases", split = ",", paramLabel = "CASE",
    description = "cases to run, comma-separated: " + FailoverCase.IDS + " (default: all)")
  List<String> cases = List.of(FailoverCase.IDS.split(", "));

  @Option(names = "--runs", description = "runs of each case, each with three new nodes (default ${DEFAULT-VALUE})")
  int runs = 5;

  @Option(names = "--settle", description = "seconds the cluster settles, after every node's member list showed all "
    + "three, before a 'settled' case logs in and signals (default ${DEFAULT-VALUE})")
  double settle = 8;

  @Option(names = "--users", description = "users logged in on the node signalled (victim1, victim2, ...; 'victim' if 1), each "
    + "tried on a survivor on its own after the signal: a login's place in the cluster-wide map decides how long it "
    + "waits (default ${DEFAULT-VALUE})")
  int users = 8;

  @Option(names = "--poll", description = "milliseconds between the logins tried on a survivor (default ${DEFAULT-VALUE})")
  int poll = 50;

  @Option(names = "--timeout", description = "seconds any one wait may take: a node starting, the login after the "
    + "signal (default ${DEFAULT-VALUE})")
  int timeout = 60;

  @Option(names = "--jar", description = "the a-chat jar the nodes run (default: the jar running this)")
  Path jar;

  @Option(names = "--logs", description = "folder for the nodes' logs, one folder per run (default: a new temporary folder)")
  Path logs;

  @Option(names = "--jvm-option", paramLabel = "OPTION",
    description = "a JVM option for the nodes besides -Xmx256m, such as -Dorg.slf4j.simpleLogger.log.com.hazelcast=info; repeatable")
  List<String> jvmOptions = new ArrayList<>();

  /** Nodes alive, killed by a shutdown hook if this process is stopped mid-run. */
  private final Set<FailoverNode> alive = ConcurrentHashMap.newKeySet();

  @Override
  public Integer call() throws Exception {
    List<FailoverCase> chosen = new ArrayList<>();
    try {
      for (String id : cases) {
        chosen.add(FailoverCase.of(id.trim()));
      }
      if (runs < 1 || users < 1 || settle < 0 || poll < 1 || timeout < 1) {
        throw new IllegalArgumentException("--runs, --users, --poll and --timeout must be at least 1, --settle at least 0");
      }
      jar = jar != null ? jar : FailoverNode.runningJar();
      if (!Files.isRegularFile(jar)) {
        throw new IllegalArgumentException("no jar at " + jar + ": give the a-chat jar with --jar");
      }
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Path folder = logs != null ? Files.createDirectories(logs) : Files.createTempDirectory("a-chat-failover-");
    Thread cleanUp = new Thread(() -> alive.forEach(FailoverNode::close), "failover-clean-up");
    Runtime.getRuntime().addShutdownHook(cleanUp);
    System.err.println("a-chat bench failover: " + jar + ", nodes' logs in " + folder);
    Map<FailoverCase, List<FailoverReport.Run>> results = new LinkedHashMap<>();
    try {
      for (FailoverCase c : chosen) {
        for (int i = 1; i <= runs; i++) {
          Path runLogs = Files.createDirectories(folder.resolve(c.id + "-" + i));
          FailoverReport.Run run = run(c, runLogs);
          System.err.printf(Locale.ROOT, "%s %d/%d: %s%n", c.id, i, runs, run);
          results.computeIfAbsent(c, k -> new ArrayList<>()).add(run);
        }
      }
    } finally {
      alive.forEach(FailoverNode::close);
      Runtime.getRuntime().removeShutdownHook(cleanUp);
    }
    System.out.print(FailoverReport.of(results, users, NODES, STEPS.keySet()));
    return results.values().stream().flatMap(List::stream).allMatch(FailoverReport.Run::freed) ? 0 : 1;
  }

  private FailoverReport.Run run(FailoverCase c, Path runLogs) throws IOException, InterruptedException {
    List<FailoverNode> nodes = new ArrayList<>();
    List<Integer> memberPorts = new ArrayList<>();
    for (int i = 0; i < NODES; i++) {
      memberPorts.add(FailoverNode.freePort());
    }
    String members = String.join(",", memberPorts.stream().map(port -> "127.0.0.1:" + port).toList());
    String cluster = "a-chat-failover-" + UUID.randomUUID();
    try (PrintWriter record = new PrintWriter(Files.newBufferedWriter(runLogs.resolve("bench.log")), true)) {
      try {
        List<Integer> chatPorts = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < NODES; i++) {
          Map<String, String> env = new HashMap<>();
          env.put("ACHAT_HOST", "127.0.0.1");
          env.put("ACHAT_PORT", "0");
          env.put("ACHAT_WEB_PORT", "0");
          env.put("ACHAT_MANAGEMENT_PORT", "0");
          env.put("ACHAT_CLUSTER_HOST", "127.0.0.1");
          env.put("ACHAT_CLUSTER_PORT", Integer.toString(memberPorts.get(i)));
          env.put("ACHAT_CLUSTER_MEMBERS", members);
          env.put("ACHAT_CLUSTER_NAME", cluster);
          List<String> options = new ArrayList<>(List.of("-Xmx256m"));
          options.addAll(jvmOptions);
          String name = "node " + (i + 1);
          record.println(FailoverNode.stamped("starting " + name));
          FailoverNode node = FailoverNode.start(name, FailoverNode.java(), jar, options, env, runLogs.resolve("node" + (i + 1) + ".log"));
          nodes.add(node);
          alive.add(node);
          // One after the other, as an operator starts them: each joins the cluster of those before it.
          chatPorts.add(node.chatPort(deadline()));
          record.println(FailoverNode.stamped(name + " (pid " + node.pid() + ") listening on 127.0.0.1:" + chatPorts.get(i)));
        }
        if (c.settled) {
          for (FailoverNode node : nodes) {
            node.await(ALL_MEMBERS, started, deadline());
          }
          record.println(FailoverNode.stamped("every node's member list shows all " + NODES + "; settling " + settle + " s"));
          pause(nodes.get(0), Math.round(settle * 1000));
        }
        List<String> names = victims();
        // Node 3 is signalled, or node 1, the oldest member: Hazelcast's master and a-chat's deputy.
        int victimNode = c.oldest ? 0 : NODES - 1;
        List<Integer> survivors = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
          if (i != victimNode && !(c.leaving && i == 1)) {
            survivors.add(i);
          }
        }
        List<Socket> held = new ArrayList<>();
        FailoverFlood flood = null;
        try {
          for (String name : names) {
            Socket victim = LoginTries.login(chatPorts.get(victimNode), name, deadline());
            if (victim == null) {
              throw new IOException("'" + name + "' could not log in on node " + (victimNode + 1));
            }
            held.add(victim);
            FailoverFlood.drain(victim); // a user reads: one who does not is cut off once a flood fills its queue
          }
          record.println(FailoverNode.stamped(names + " logged in on node " + (victimNode + 1)));
          if (c.flood) {
            flood = FailoverFlood.start(chatPorts.get(survivors.get(0)), "flooder", names, deadline());
            record.println(FailoverNode.stamped("a flooder on node " + (survivors.get(0) + 1)
              + " sends them lines as fast as its node takes them; the signal comes " + FLOOD_MILLIS + " ms later"));
            pause(nodes.get(0), FLOOD_MILLIS); // a flood under way, not one starting
          }
          if (c.leaving) {
            nodes.get(1).signal("TERM");
            record.println(FailoverNode.stamped("sent SIGTERM to node 2: it leaves"));
          }
          nodes.get(victimNode).signal(c.signal);
          long signalled = System.nanoTime();
          record.println(FailoverNode.stamped("sent SIG" + c.signal + " to node " + (victimNode + 1)));
          long end = deadline();
          List<Long> freed = new ArrayList<>();
          List<String> stillTaken = new ArrayList<>();
          ExecutorService pollers = Executors.newFixedThreadPool(names.size(), r -> {
            Thread thread = new Thread(r, "failover-login");
            thread.setDaemon(true);
            return thread;
          });
          try {
            List<Future<Long>> polls = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
              String name = names.get(i);
              int survivor = survivors.get(i % survivors.size()); // the survivors by turns
              polls.add(pollers.submit(() -> LoginTries.freeAgain(chatPorts.get(survivor), "node " + (survivor + 1), name,
                poll, end, record)));
            }
            for (int i = 0; i < names.size(); i++) {
              long at = polls.get(i).get(timeout + 10L, TimeUnit.SECONDS);
              if (at < 0) {
                stillTaken.add(names.get(i));
              } else {
                freed.add(at);
              }
            }
          } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("trying the logins on the survivors failed: " + e, e);
          } finally {
            pollers.shutdownNow();
          }
          if (!stillTaken.isEmpty()) {
            return new FailoverReport.Run(-1, -1, Map.of(), null, stillTaken + " still taken after " + timeout + " s");
          }
          return done(nodes.get(survivors.get(0)), signalled, Collections.min(freed), Collections.max(freed));
        } finally {
          for (Socket socket : held) {
            socket.close();
          }
          if (flood != null) {
            flood.close();
          }
        }
      } catch (IOException e) {
        record.println(FailoverNode.stamped("failed: " + e.getMessage()));
        return new FailoverReport.Run(-1, -1, Map.of(), null, e.getMessage());
      } finally {
        for (FailoverNode node : nodes) {
          node.close();
          alive.remove(node);
        }
      }
    }
  }

  private List<String> victims() {
    if (users == 1) {
      return List.of(VICTIM);
    }
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= users; i++) {
      names.add(VICTIM + i);
    }
    return names;
  }

  private static FailoverReport.Run done(FailoverNode survivor, long signalled, long first, long last) throws InterruptedException {
    try {
      // Another node may free the login first: the broker's own line can come after it.
      survivor.await(STEPS.get("broker: node gone"), signalled,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STRAGGLERS_MILLIS));
    } catch (IOException e) {
      // reported as missing
    }
    Map<String, Double> steps = new LinkedHashMap<>();
    STEPS.forEach((step, pattern) -> {
      OptionalLong at = survivor.first(pattern, signalled);
      if (at.isPresent()) {
        steps.put(step, seconds(at.getAsLong() - signalled));
      }
    });
    // When the partitions the last rebalancing before the signal moved were in place, if they were.
    OptionalLong rebalancing = survivor.last(REPARTITIONING, signalled);
    OptionalLong migrated = rebalancing.isPresent() ? survivor.first(MIGRATED, rebalancing.getAsLong()) : OptionalLong.empty();
    return new FailoverReport.Run(seconds(first - signalled), seconds(last - signalled), steps,
      migrated.isPresent() ? seconds(migrated.getAsLong() - signalled) : null, null);
  }

  /** Lets {@code millis} pass, or fewer if node 1 ends meanwhile (then the run fails on its next step). */
  private static void pause(FailoverNode node, long millis) throws InterruptedException {
    ProcessHandle.of(node.pid()).ifPresent(handle -> {
      try {
        handle.onExit().get(millis, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        // the time has passed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
  }

  private long deadline() {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
