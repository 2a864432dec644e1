package io.achat.broker;

import io.achat.cluster.ClusterMembers;
import io.achat.config.BusAddresses;
import io.achat.ops.ChatMetrics;
import io.achat.ops.RateLimitedLog;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The broker's side of a cluster, on a clustered Vert.x only: logins claimed in the cluster-wide
 * map ({@link LoginClaims}), where the other nodes' users are ({@link Directory}), lines for
 * them forwarded to their node's broker once a turn and lines from other nodes delivered here
 * ({@link Forwarding}), nodes that are gone noticed ({@link FailureDetector}) and their logins
 * handed over and freed ({@link Handover}), and the logins checked again when one comes back
 * ({@link MergeCheck}). Runs on the broker's context, with the broker's turn outbox; the
 * broker's users it reaches through {@link LocalUsers}, as the broker alone holds them.
 */
final class ClusterRouting {

  private static final Logger log = LoggerFactory.getLogger(ClusterRouting.class);

  private final Vertx vertx;
  private final LocalUsers users;
  private final ChatMetrics metrics;
  /** This broker's name: it names the Vert.x node too when Hazelcast's member list is at hand ({@link ClusterMembers}). */
  private final String node;
  /** Each login tried while the cluster does not answer would log a line: at most 10 in 10 s. */
  private final RateLimitedLog claimFailures = new RateLimitedLog(log, "failed claims", 10, 10_000, true);
  private LoginClaims claims;
  private MergeCheck mergeCheck;
  /** What becomes of the logins of nodes that are gone. */
  private Handover handover;
  private final Directory directory;
  private final Set<String> claiming = new HashSet<>();
  private final Forwarding forwarding;
  private final OnlineNotes onlineNotes;
  /** Logins the directory heard of while it was being filled from the map; {@code null} once filled. */
  private Set<String> heardWhileSeeding = new HashSet<>();
  private final Set<String> goneNodes = new HashSet<>();
  /** The other nodes' brokers this one knows of. */
  private final Set<String> members = new HashSet<>();
  private final ClusterBus bus;
  private final FailureDetector failureDetector;
  /** Hazelcast's member list and partition table, or {@code null} if nobody registered them. */
  private final ClusterMembers clusterMembers;
  private long summaryTimer = -1;
  private Runnable stopWatching = () -> { };
  private Promise<Void> quiet;

  ClusterRouting(Vertx vertx, LocalUsers users, TurnOutbox outbox, ChatMetrics metrics) {
    this.vertx = vertx;
    this.users = users;
    this.metrics = metrics;
    this.directory = new Directory(users::elsewhereChanged);
    this.bus = new ClusterBus(vertx);
    clusterMembers = ClusterMembers.of(vertx);
    this.node = clusterMembers != null ? clusterMembers.nodeName() : UUID.randomUUID().toString();
    this.failureDetector = new FailureDetector(vertx, bus,
      clusterMembers != null ? clusterMembers::left : () -> there -> false);
    this.forwarding = new Forwarding(node, bus, outbox, users, this::checkQuiet);
    this.onlineNotes = new OnlineNotes(bus);
  }

  /**
   * Registers this node's broker address and the directory, then fills the directory from the
   * cluster-wide map of logins, and starts checking on the nodes this one depends on.
   */
  Future<?> join() {
    return vertx.sharedData().<String, String>getClusterWideMap(LoginClaims.MAP)
      .compose(map -> {
        claims = new LoginClaims(map, node, goneNodes::contains, this::checkQuiet,
          login -> clusterMembers == null ? Future.succeededFuture() : clusterMembers.ownerKnown(vertx, login));
        mergeCheck = new MergeCheck(node, claims, users, directory, bus, goneNodes::contains, claimFailures);
        handover = new Handover(node, Handover.MemberList.of(clusterMembers), bus, claims, this::brokers, mergeCheck::lost);
        return Future.all(
          vertx.eventBus().<Event>consumer(BusAddresses.node(node), this::fromNode).completion(),
          vertx.eventBus().<Event>consumer(BusAddresses.DIRECTORY, m -> directory(m.body())).completion());
      })
      .compose(v -> claims.all())
      .map(all -> {
        all.forEach((login, holder) -> {
          if (!holder.equals(node) && !heardWhileSeeding.contains(login)) {
            directory.online(login, holder);
            members.add(holder);
          }
        });
        heardWhileSeeding = null;
        bus.publish(BusAddresses.DIRECTORY, new Event.Hello(node));
        failureDetector.start(this::dependedOn, this::nodeGone, forwarding::checking, this::nodeBack);
        if (clusterMembers != null) {
          Context broker = vertx.getOrCreateContext();
          stopWatching = clusterMembers.onChange(() -> broker.runOnContext(v -> failureDetector.membersChanged()));
        }
        summaryTimer = vertx.setPeriodic(1000, t -> {
          claimFailures.tick();
          bus.tick();
          handover.tick();
        });
        log.info("a-chat node {} joined the cluster; {} users on {} other nodes", node, all.size(),
          directory.nodes().size());
        return null;
      });
  }

  void stop() {
    stopWatching.run();
    failureDetector.stop();
    vertx.cancelTimer(summaryTimer);
  }

  JsonObject status() {
    return new JsonObject().put("node", node).put("nodes", members.size() + 1);
  }

  /** Whether a claim of {@code login} by this node is under way. */
  boolean claiming(String login) {
    return claiming.contains(login);
  }

  /**
   * Claims {@code login} for this node: completes with whether this node now holds it, and
   * fails when the cluster did not answer.
   */
  Future<Boolean> claim(String login) {
    if (directory.nodeOf(login) != null) {
      // Another node told every broker it holds it and has not said it left: taken, without
      // asking the map, whose place for it may be on a node that has just died and not yet been
      // dropped; such a request would wait for Hazelcast's repair, and later claims behind it.
      return Future.succeededFuture(false);
    }
    claiming.add(login);
    String orphanOf = handover.orphanOf(login);
    Future<String> holding = orphanOf == null ? claims.claim(login) : handover.take(login, orphanOf);
    return holding.transform(ar -> {
      claiming.remove(login);
      checkQuiet();
      if (ar.failed()) {
        claimFailures.warn(log, "cannot claim login '{}' in the cluster: {}", login, ar.cause().toString());
        return Future.failedFuture(ar.cause());
      }
      String holder = ar.result();
      if (!holder.equals(node) && !goneNodes.contains(holder)) {
        directory.online(login, holder);
      }
      return Future.succeededFuture(holder.equals(node));
    });
  }

  /** Gives back a login this node claimed but did not let in. */
  void release(String login) {
    claims.release(login);
  }

  /**
   * Tells every broker that {@code login} is a user of this node; completes once every broker
   * this one knows has noted it, failed to answer in time or is gone ({@link OnlineNotes}), so
   * that a user who is told they are logged in can be reached from every node. Nodes not known
   * yet hear it published.
   */
  Future<?> online(String login) {
    Event.Online online = new Event.Online(node, login);
    bus.publish(BusAddresses.DIRECTORY, online);
    return onlineNotes.send(online, members);
  }

  /** {@code login} is no longer a user of this node. */
  void offline(String login) {
    bus.publish(BusAddresses.DIRECTORY, new Event.Offline(node, login));
    claims.release(login);
  }

  /** Whether {@code login} is a user of another node. */
  boolean elsewhere(String login) {
    return directory.nodeOf(login) != null;
  }

  /**
   * Queues {@code message} for the brokers of the nodes of {@code names}, each with its
   * recipients there; the sender's credit waits until every one of them has routed it.
   */
  void forward(Event.Message message, List<String> names) {
    Map<String, List<String>> byNode = new HashMap<>(4);
    for (String name : names) {
      byNode.computeIfAbsent(directory.nodeOf(name), n -> new ArrayList<>(2)).add(name);
    }
    forwarding.forward(message, byNode);
  }

  /** Ends the turn for the other nodes: each gets its lines in one message, and its acknowledgements. */
  void flush() {
    forwarding.flush();
  }

  /**
   * Completes once no claim or release of this node's is under way and every other node has
   * acknowledged what this one forwarded to it.
   */
  Future<Void> quiet() {
    quiet = Promise.promise();
    checkQuiet();
    return quiet.future();
  }

  private void checkQuiet() {
    if (quiet != null && claims.idle() && claiming.isEmpty() && !forwarding.waiting()) {
      quiet.tryComplete();
    }
  }

  /** From another node's broker: lines for users here, an acknowledgement, or a check that this node is up. */
  private void fromNode(Message<Event> envelope) {
    Event event = envelope.body();
    if (event instanceof Event.Forward forward) {
      long start = System.nanoTime();
      forwarding.arrived(forward);
      metrics.brokerEvent(System.nanoTime() - start);
    } else if (event instanceof Event.Ack ack) {
      forwarding.acked(ack);
    } else if (event instanceof Event.Online online) {
      noteOnline(online);
      envelope.reply(null);
    } else if (event instanceof Event.Hello hello) {
      member(hello.node());
    } else if (event instanceof Event.Take take) {
      handover.asked(take, envelope);
    } else if (event instanceof Event.Settled settled) {
      handover.written(settled);
    } else if (event instanceof Event.Back back) {
      if (goneNodes.contains(back.node())) {
        nodeBack(back.node()); // it saw this node back first
      } else {
        // This node did not see it gone (it was the one that hung, or the merge came first), but
        // the other dropped this node's users: check them, and tell it those this node holds. What
        // this node knew of the other's users may be stale; the other tells it those it holds.
        member(back.node());
        directory.forget(back.node());
        mergeCheck.check(back.node());
      }
    } else if (event == null) {
      forwarding.sendAcks(); // before the answer: see Forwarding#checking
      envelope.reply(null);
    }
  }

  private void directory(Event event) {
    if (event instanceof Event.Online online) {
      noteOnline(online);
    } else if (event instanceof Event.Hello hello && !hello.node().equals(node)) {
      member(hello.node());
      bus.send(BusAddresses.node(hello.node()), new Event.Hello(node));
    } else if (event instanceof Event.Offline offline && !offline.node().equals(node)) {
      heard(offline.login());
      directory.offline(offline.login(), offline.node());
    }
  }

  private void member(String other) {
    if (!other.equals(node) && !goneNodes.contains(other)) {
      members.add(other);
    }
  }

  private void noteOnline(Event.Online online) {
    if (!online.node().equals(node) && !goneNodes.contains(online.node())) {
      heard(online.login());
      directory.online(online.login(), online.node());
      members.add(online.node());
    }
  }

  private void heard(String login) {
    if (heardWhileSeeding != null) {
      heardWhileSeeding.add(login);
    }
  }

  /** The brokers this one knows of, and this one. */
  private Set<String> brokers() {
    Set<String> all = new HashSet<>(members);
    all.add(node);
    return all;
  }

  /** The nodes this one knows of, has users on, or waits on for acknowledgements. */
  private Set<String> dependedOn() {
    Set<String> wanted = new HashSet<>(members);
    wanted.addAll(directory.nodes());
    forwarding.waitedOn(wanted);
    return wanted;
  }

  /**
   * A node is gone: its users are gone (what was in flight to them is lost), senders here get
   * their credit back, and the logins it held are handed over and freed ({@link Handover}).
   */
  private void nodeGone(String gone, String why) {
    if (!goneNodes.add(gone)) {
      return;
    }
    failureDetector.gone(gone);
    members.remove(gone);
    Set<String> itsUsers = directory.forget(gone);
    if (itsUsers.isEmpty()) {
      log.info("a-chat node {} left the cluster ({})", gone, why);
    } else {
      log.info("a-chat node {} is gone ({}): its {} users known here are logged out", gone, why, itsUsers.size());
    }
    forwarding.gone(gone);
    onlineNotes.gone(gone);
    handover.gone(gone, itsUsers);
  }

  /**
   * A node taken for gone answers again: a hang or a partition has ended and the cluster manager
   * merged the two sides. Both sides learn each other's users again, and each login has one
   * holder: the one the merged map of logins names ({@link MergeCheck}).
   */
  private void nodeBack(String back) {
    if (!goneNodes.remove(back)) {
      return;
    }
    members.add(back);
    handover.forget(back);
    mergeCheck.cameBack(back);
  }
}
