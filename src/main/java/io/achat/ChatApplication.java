package io.achat;

import io.achat.broker.ClusterBus;
import io.achat.cluster.ClusterMembers;
import io.achat.cluster.ClusterTls;
import io.achat.cluster.HazelcastCluster;
import io.achat.config.ChatConfig;
import io.achat.config.Key;
import io.achat.ops.Fatal;
import io.achat.ops.LoopWatchdog;
import io.achat.ops.ManagementFile;
import io.achat.ops.RateLimitedLog;
import io.achat.server.Stalls;
import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the server through the Vert.x launcher ({@code -conf}, {@code -instances},
 * {@code -options} ...). SIGTERM and SIGINT run the launcher's shutdown hook, which closes
 * Vert.x: the clean shutdown. Once it has completed the process exits with status 0 rather than
 * the JVM's 143 or 130, so that service managers see a clean stop. What runs beside the server
 * started this way is in {@code ops}, called from the hooks here: the {@link LoopWatchdog}, the
 * {@link ManagementFile} for {@code a-chat health}, and {@link Fatal}'s exits.
 */
final class ChatApplication extends VertxApplication implements VertxApplicationHooks {

  private static final Logger log = LoggerFactory.getLogger(ChatApplication.class);

  private final boolean instancesGiven;
  /** {@code -instances N}, or 0 when not given. */
  private final int instancesArgument;
  /** Whether {@code -options} or a system property sets the number of event loops. */
  private boolean eventLoopsGiven;
  private int eventLoops;
  private final boolean clustered;
  private JsonObject conf;
  private volatile boolean serving;
  /** Made once the configuration is read, before Vert.x; started once Vert.x is. */
  private volatile LoopWatchdog watchdog;
  /** Every layer read once, before Vert.x exists (the cluster keys are needed for it), and handed down. */
  private JsonObject resolved;

  ChatApplication(String[] args) {
    super(args);
    instancesArgument = value(args, "instances");
    instancesGiven = instancesArgument > 0;
    clustered = given(args, "cluster");
  }

  /**
   * Netty's native transport where it loads (epoll on Linux), unless {@code -options} or
   * {@code -Dvertx.options.preferNativeTransport} say otherwise: fewer system calls and copies
   * than NIO, and the kernel lets go of a client that takes nothing (see {@link Stalls}).
   */
  @Override
  public JsonObject afterVertxOptionsParsed(JsonObject options) {
    JsonObject given = options == null ? new JsonObject() : options;
    if (!given.containsKey(PREFER_NATIVE_TRANSPORT)) {
      given.put(PREFER_NATIVE_TRANSPORT, true);
    }
    eventLoopsGiven = given.containsKey(EVENT_LOOP_POOL_SIZE)
      || System.getProperty("vertx.options." + EVENT_LOOP_POOL_SIZE) != null;
    return given;
  }

  private static final String PREFER_NATIVE_TRANSPORT = "preferNativeTransport";
  private static final String EVENT_LOOP_POOL_SIZE = "eventLoopPoolSize";

  /** The web page and the management server are on under the launcher unless {@code -conf} says otherwise. */
  @Override
  public JsonObject afterConfigParsed(JsonObject config) {
    conf = ChatConfig.underLauncher(config);
    return conf;
  }

  /**
   * Vert.x's Micrometer metrics in Prometheus's format, unless the management server is off;
   * with {@code -cluster}, the cluster manager is Hazelcast configured by a-chat's own keys, read
   * from the same layers as every other key (so {@code ACHAT_CLUSTER_MEMBERS} or a {@code -conf}
   * file set them). The event bus binds {@code clusterHost} too, unless {@code -cluster-host}
   * says otherwise.
   */
  @Override
  public VertxBuilder createVertxBuilder(VertxOptions options) {
    ChatConfig config;
    try {
      config = ChatConfig.read(conf == null ? new JsonObject() : conf);
    } catch (IllegalArgumentException e) {
      // The launcher exits with status 1 without a word: say why first.
      log.error("cannot start: {}", e.getMessage());
      throw e;
    }
    watchdog = new LoopWatchdog(config.maxBlockedMillis(), () -> {
      synchronized (failedLinkWrites) {
        failedLinkWrites.tick();
      }
    });
    resolved = config.toJson();
    if (!eventLoopsGiven) {
      // One event loop per accept loop, the broker sharing the first's: at a chat's pace a line
      // then crosses no thread on its way through a node (see docs/design.md).
      options.setEventLoopPoolSize(instancesGiven ? instancesArgument : config.instances());
    }
    eventLoops = options.getEventLoopPoolSize();
    if (config.management() && (options.getMetricsOptions() == null || !options.getMetricsOptions().isEnabled())) {
      // Not the event bus's meters: its messages are a-chat's own plumbing, which a-chat's meters
      // count in chat terms, and Vert.x looks up a meter for each (see docs/performance.md).
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)
        .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
    }
    VertxBuilder builder = Vertx.builder().with(options);
    if (!clustered) {
      return builder;
    }
    if (!config.clusterHost().isEmpty()) {
      options.getEventBusOptions().setHost(config.clusterHost());
    }
    ClusterTls.apply(options.getEventBusOptions(), config);
    clusterManager = HazelcastCluster.manager(config);
    return builder.withClusterManager(clusterManager);
  }

  private volatile ChatVerticle chat;
  /** With {@code -cluster}: the cluster manager, whose member list the broker reads ({@link ClusterMembers}). */
  private volatile HazelcastClusterManager clusterManager;
  /**
   * Writes Vert.x had queued for another node while it connected, failed when the link closed at
   * once (see {@link ClusterBus}): at most 10 lines in 10 s. Any event loop may report one.
   */
  private final RateLimitedLog failedLinkWrites = new RateLimitedLog(log, "failed writes to other nodes", 10, 10_000, true);

  /**
   * A server that cannot go on exits rather than stay up without serving, so that a supervisor
   * restarts it: on an error of the JVM (out of memory) wherever Vert.x reports it, and, through
   * the {@link LoopWatchdog}, when an event loop a-chat runs on has not answered for
   * maxBlockedMillis or has ended, and when the heap stays full after collections.
   */
  @Override
  public void afterVertxStarted(HookContext context) {
    Vertx vertx = context.vertx();
    Stalls.logTransport(vertx, log);
    log.info("event loops: {}", eventLoops);
    vertx.exceptionHandler(e -> {
      if (e instanceof VirtualMachineError error) {
        Fatal.jvmError(Fatal.IN_AN_EVENT_LOOP, error);
      } else if (ClusterBus.isFailedLinkWrite(e)) {
        synchronized (failedLinkWrites) {
          failedLinkWrites.warn(log, "writing to another node failed as its link closed: {}", e.toString());
        }
      } else {
        log.error("unhandled exception", e);
      }
    });
    watchdog.start(vertx);
    if (clusterManager != null) {
      ClusterMembers.watch(vertx, clusterManager);
    }
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return () -> chat = new ChatVerticle();
  }

  /**
   * The verticle gets the configuration resolved before Vert.x started. {@code -instances N}
   * means N accept loops sharing one broker, not N whole servers: it becomes the
   * {@code instances} key, over every other layer.
   */
  @Override
  public void beforeDeployingVerticle(HookContext context) {
    JsonObject config = resolved.copy();
    if (instancesGiven) {
      config.put(Key.INSTANCES.json(), context.deploymentOptions().getInstances());
    }
    context.deploymentOptions().setConfig(config).setInstances(1);
  }

  @Override
  public void afterVerticleDeployed(HookContext context) {
    serving = true;
    String url = chat == null ? null : chat.managementUrl();
    if (url != null) {
      try {
        ManagementFile.write(url);
      } catch (IOException e) {
        log.warn("cannot write {} for 'a-chat health': {}", ManagementFile.path(), e.toString());
      }
    }
  }

  @Override
  public void beforeStoppingVertx(HookContext context) {
    if (watchdog != null) {
      watchdog.stop();
    }
    log.info("shutting down");
  }

  @Override
  public void afterVertxStopped(HookContext context) {
    String url = chat == null ? null : chat.managementUrl();
    if (url != null) {
      ManagementFile.remove(url);
    }
    if (serving) {
      // halt, not exit: this runs in the JVM's shutdown hook, where System.exit would block for good.
      Runtime.getRuntime().halt(0);
    }
  }

  /**
   * The number after {@code -option} ({@code -option N} or {@code -option=N}); 1 when it is not
   * one (the launcher refuses it itself), 0 when the option is not given.
   */
  private static int value(String[] args, String option) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i].toLowerCase(Locale.ROOT).replaceFirst("^--", "-");
      String number = a.startsWith("-" + option + "=") ? a.substring(option.length() + 2)
        : a.equals("-" + option) && i + 1 < args.length ? args[i + 1] : null;
      if (number != null) {
        try {
          return Math.max(1, Integer.parseInt(number.trim()));
        } catch (NumberFormatException e) {
          return 1;
        }
      }
    }
    return 0;
  }

  private static boolean given(String[] args, String option) {
    for (String arg : args) {
      String a = arg.toLowerCase(Locale.ROOT);
      if (a.equals("-" + option) || a.equals("--" + option)
        || a.startsWith("-" + option + "=") || a.startsWith("--" + option + "=")) {
        return true;
      }
    }
    return false;
  }
}
