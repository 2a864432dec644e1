package io.achat.broker;

import io.achat.config.Addresses;
import io.achat.ops.ChatMetrics;
import io.achat.ops.RateLimitedLog;
import io.achat.protocol.Replies;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
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
import java.util.concurrent.TimeUnit;

/**
 * The broker's side of a cluster, on a clustered Vert.x only: logins claimed in the cluster-wide
 * map ({@link LoginClaims}), where the other nodes' users are ({@link Directory}), lines for
 * them forwarded to their node's broker once a turn ({@link NodeOutbox}) and lines from other
 * nodes delivered here, and nodes that are gone noticed ({@link FailureDetector}) and their
 * logins freed. Runs on the broker's context, with the broker's turn outbox; the broker's users
 * it reaches through {@link LocalUsers}, as the broker alone holds them.
 */
final class ClusterRouting {

  private static final Logger log = LoggerFactory.getLogger(ClusterRouting.class);
  /** How long a login waits for another node to note it; a node that does not answer is dying or hung. */
  private static final DeliveryOptions NOTE = new DeliveryOptions().setSendTimeout(2000);

  private final Vertx vertx;
  private final LocalUsers users;
  private final TurnOutbox outbox;
  private final ChatMetrics metrics;
  private final String node = UUID.randomUUID().toString();
  /** Each login tried while the cluster does not answer would log a line: at most 10 in 10 s. */
  private final RateLimitedLog claimFailures = new RateLimitedLog(log, "failed claims", 10, 10_000, true);
  private LoginClaims claims;
  private final Directory directory = new Directory();
  private final Set<String> claiming = new HashSet<>();
  private final Map<String, NodeOutbox> nodes = new HashMap<>();
  private final List<NodeOutbox> touchedNodes = new ArrayList<>();
  /** Per node that sent batches: which came and which never did ({@link Received}). */
  private final Map<String, Received> received = new HashMap<>();
  /** Those of them that sent batches this turn, to acknowledge at its end. */
  private final List<Received> acks = new ArrayList<>();
  /** Logins the directory heard of while it was being filled from the map; {@code null} once filled. */
  private Set<String> heardWhileSeeding = new HashSet<>();
  private final Set<String> goneNodes = new HashSet<>();
  /** The other nodes' brokers this one knows of. */
  private final Set<String> members = new HashSet<>();
  private final ClusterBus bus;
  private final FailureDetector failureDetector;
  private long summaryTimer = -1;
  private Promise<Void> quiet;

  ClusterRouting(Vertx vertx, LocalUsers users, TurnOutbox outbox, ChatMetrics metrics) {
    this.vertx = vertx;
    this.users = users;
    this.outbox = outbox;
    this.metrics = metrics;
    this.bus = new ClusterBus(vertx);
    this.failureDetector = new FailureDetector(vertx, bus);
  }

  /**
   * Registers this node's broker address and the directory, then fills the directory from the
   * cluster-wide map of logins, and starts checking on the nodes this one depends on.
   */
  Future<?> join() {
    return vertx.sharedData().<String, String>getClusterWideMap(LoginClaims.MAP)
      .compose(map -> {
        claims = new LoginClaims(map, node, goneNodes::contains, this::checkQuiet);
        return Future.all(
          vertx.eventBus().<Event>consumer(Addresses.node(node), this::fromNode).completion(),
          vertx.eventBus().<Event>consumer(Addresses.DIRECTORY, m -> directory(m.body())).completion());
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
        bus.publish(Addresses.DIRECTORY, new Event.Hello(node));
        failureDetector.start(this::dependedOn, this::nodeGone, this::checking, this::nodeBack);
        summaryTimer = vertx.setPeriodic(1000, t -> {
          claimFailures.tick();
          bus.tick();
        });
        log.info("a-chat node {} joined the cluster; {} users on {} other nodes", node, all.size(),
          directory.nodes().size());
        return null;
      });
  }

  void stop() {
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
    claiming.add(login);
    return claims.claim(login).transform(ar -> {
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
   * this one knows has noted it (or failed to answer in time), so that a user who is told they
   * are logged in can be reached from every node. Nodes not known yet hear it published.
   */
  Future<?> online(String login) {
    Event.Online online = new Event.Online(node, login);
    bus.publish(Addresses.DIRECTORY, online);
    List<Future<?>> noted = new ArrayList<>(members.size());
    for (String member : members) {
      noted.add(bus.request(Addresses.node(member), online, NOTE));
    }
    return Future.join(noted);
  }

  /** {@code login} is no longer a user of this node. */
  void offline(String login) {
    bus.publish(Addresses.DIRECTORY, new Event.Offline(node, login));
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
    NodeOutbox.Credit credit = new NodeOutbox.Credit(message.from(), message.line().length(), byNode.size());
    byNode.forEach((there, recipients) -> {
      NodeOutbox to = nodes.computeIfAbsent(there, NodeOutbox::new);
      to.add(new Event.Message(message.from(), message.login(), recipients, message.line()), credit);
      if (!to.touched) {
        to.touched = true;
        touchedNodes.add(to);
      }
    });
    outbox.request();
  }

  /**
   * Ends the turn for the other nodes: each gets its lines in one message, and its
   * acknowledgements. A batch whose write failed at once is lost: its senders are told so now.
   */
  void flush() {
    for (NodeOutbox to : touchedNodes) {
      to.touched = false;
      if (!to.isEmpty() && !bus.send(to.address, to.take(node))) {
        settle(to.failedLast());
      }
    }
    touchedNodes.clear();
    sendAcks();
  }

  private void sendAcks() {
    for (Received from : acks) {
      bus.send(Addresses.node(from.node), new Event.Ack(node, from.last(), from.missedFrom(), from.missedTo()));
      from.acknowledged();
    }
    acks.clear();
  }

  /**
   * A check leaves for {@code there}: once it answers, every batch sent to it before, and not
   * acknowledged, never came, for a node acknowledges what it got before it answers a check,
   * over the same link ({@link #fromNode}). So a batch lost with a link that broke is found even
   * when none follows it.
   */
  private Runnable checking(String there) {
    NodeOutbox to = nodes.get(there);
    if (to == null || !to.waiting()) {
      return () -> { };
    }
    long sent = to.lastBatch();
    return () -> {
      if (nodes.get(there) == to) {
        settle(to.acked(sent, 1, sent));
      }
    };
  }

  /** Senders get their credits back, and those whose lines never came to their node are told. */
  private void settle(NodeOutbox.Acked acked) {
    mayNotHaveReached(acked.missed(), "the link to their node failed");
    acked.credits().forEach(this::credit);
    checkQuiet();
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
    if (quiet != null && claims.idle() && claiming.isEmpty()
      && nodes.values().stream().noneMatch(NodeOutbox::waiting)) {
      quiet.tryComplete();
    }
  }

  /** From another node's broker: lines for users here, an acknowledgement, or a check that this node is up. */
  private void fromNode(Message<Event> envelope) {
    Event event = envelope.body();
    if (event instanceof Event.Forward forward) {
      long start = System.nanoTime();
      for (Event.Forwarded message : forward.messages()) {
        deliverHere(message.recipients(), message.line());
      }
      Received from = received.computeIfAbsent(forward.node(), Received::new);
      from.arrived(forward.batch());
      if (!from.due) {
        from.due = true;
        acks.add(from);
      }
      outbox.request();
      metrics.brokerEvent(System.nanoTime() - start);
    } else if (event instanceof Event.Ack ack) {
      NodeOutbox from = nodes.get(ack.node());
      if (from != null) {
        settle(from.acked(ack.batch(), ack.missedFrom(), ack.missedTo()));
      }
    } else if (event instanceof Event.Online online) {
      noteOnline(online);
      envelope.reply(null);
    } else if (event instanceof Event.Hello hello) {
      member(hello.node());
    } else if (event instanceof Event.Back back) {
      if (goneNodes.contains(back.node())) {
        nodeBack(back.node()); // it saw this node back first
      } else {
        // This node did not see it gone (it was the one that hung, or the merge came first), but
        // the other dropped this node's users: check them, and tell it those this node holds. What
        // this node knew of the other's users may be stale; the other tells it those it holds.
        member(back.node());
        directory.forget(back.node());
        recheck(back.node(), users.snapshot());
      }
    } else if (event == null) {
      sendAcks(); // before the answer: see #checking
      envelope.reply(null);
    }
  }

  private void deliverHere(List<String> names, Buffer line) {
    for (String name : names) {
      Recipient recipient = users.user(name);
      // One who left since is not told about it; the sender's node learns it from the directory.
      if (recipient != null) {
        outbox.deliver(recipient, line);
      }
    }
  }

  private void credit(NodeOutbox.Credit credit) {
    outbox.routed(credit.from, credit.bytes);
  }

  private void directory(Event event) {
    if (event instanceof Event.Online online) {
      noteOnline(online);
    } else if (event instanceof Event.Hello hello && !hello.node().equals(node)) {
      member(hello.node());
      bus.send(Addresses.node(hello.node()), new Event.Hello(node));
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

  /** The nodes this one knows of, has users on, or waits on for acknowledgements. */
  private Set<String> dependedOn() {
    Set<String> wanted = new HashSet<>(members);
    wanted.addAll(directory.nodes());
    nodes.values().stream().filter(NodeOutbox::waiting).forEach(to -> wanted.add(to.node));
    return wanted;
  }

  /**
   * A node is gone: its users are gone (what was in flight to them is lost), senders here get
   * their credit back, and the logins it held are freed in the cluster-wide map.
   */
  private void nodeGone(String gone) {
    if (!goneNodes.add(gone)) {
      return;
    }
    failureDetector.gone(gone);
    members.remove(gone);
    received.remove(gone);
    Set<String> users = directory.forget(gone);
    if (users.isEmpty()) {
      log.info("a-chat node {} left the cluster", gone);
    } else {
      log.info("a-chat node {} is gone: its {} users known here are logged out", gone, users.size());
    }
    NodeOutbox to = nodes.remove(gone);
    if (to != null) {
      mayNotHaveReached(to.unacknowledged(), "their node left the cluster");
      to.lost().forEach(this::credit);
      touchedNodes.remove(to);
      checkQuiet();
    }
    // The logins known here first, then any others left in the map; one claimed meanwhile is taken over.
    long start = System.nanoTime();
    claims.freeAll(users, gone)
      .compose(v -> claims.releaseAll(gone))
      .onComplete(ar -> {
        if (ar.succeeded()) {
          if (!users.isEmpty() || ar.result() > 0) {
            log.info("the logins of node {} are free again ({} ms)", gone,
              TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
          }
        } else {
          log.warn("a-chat node {} is gone, but freeing its logins failed: {}", gone, ar.cause().toString());
        }
      });
  }

  /**
   * A node taken for gone answers again: a hang or a partition has ended and the cluster manager
   * merged the two sides. Both sides learn each other's users again, and each login has one
   * holder: the one the merged map of logins names. A user of this node whose login the map gives
   * to another node is told so and leaves.
   */
  private void nodeBack(String back) {
    if (!goneNodes.remove(back)) {
      return;
    }
    members.add(back);
    Map<String, Recipient> held = users.snapshot();
    log.info("a-chat node {} is back: the cluster healed; checking the {} logins of this node", back, held.size());
    bus.send(Addresses.node(back), new Event.Back(node));
    recheck(back, held);
  }

  /**
   * Checks each login of this node ({@code held}, as it was when the check began) against the
   * merged map, after {@code back} and this node were apart: a login the map gives to another
   * node is displaced here; {@code back} is told of each that this node still holds.
   */
  private void recheck(String back, Map<String, Recipient> held) {
    claims.claimAll(held.keySet(), (login, ar) -> {
      Recipient holder = held.get(login);
      if (users.user(login) != holder) {
        return; // left meanwhile
      }
      if (ar.failed()) {
        claimFailures.warn(log, "cannot check login '{}' in the cluster: {}", login, ar.cause().toString());
      } else if (!ar.result().equals(node)) {
        displace(login, holder, ar.result());
      } else {
        bus.send(Addresses.node(back), new Event.Online(node, login));
      }
    });
  }

  /** {@code holder} holds {@code login} in the merged cluster: this node's user of that name leaves. */
  private void displace(String login, Recipient held, String holder) {
    users.displace(login, held, Buffer.buffer(Replies.error("'" + login + "' logged in on another node while the"
      + " cluster was split, and that login holds it now; this connection is closed")));
    if (!goneNodes.contains(holder)) {
      directory.online(login, holder);
    }
    log.info("'{}' is held by node {} since the cluster healed: its connection here is closed", login, holder);
  }

  /**
   * Tells the senders of {@code messages}, which another node did not acknowledge, whom they may
   * not have reached, and {@code why}: a node that is gone may have delivered them before it
   * went, or not; a batch its node never got was not delivered.
   */
  private void mayNotHaveReached(List<Event.Message> messages, String why) {
    for (Event.Message message : messages) {
      Buffer line = Buffer.buffer(Replies.error("may not have reached " + String.join(", ", message.recipients())
        + ": " + why));
      users.answer(message.from(), message.login(), line);
    }
  }
}
