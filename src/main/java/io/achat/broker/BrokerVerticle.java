package io.achat.broker;

import io.achat.config.Addresses;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.achat.ops.LoopWatch;
import io.achat.ops.RateLimitedLog;
import io.achat.ops.ChatMetrics.Refusal;
import io.achat.protocol.Replies;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
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
 * The book's {@code broker_loop}: the one owner of the peers map. It takes the events of the
 * accept loops in the order each loop sent them, routes every message to its recipients, and at
 * the end of each turn of its event loop sends every accept loop one {@link Delivery} with the
 * lines for its connections and the answers to their events. One per Vert.x instance; it takes
 * its configuration from the deployment config.
 */
public final class BrokerVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(BrokerVerticle.class);
  private static final String CLAIM = "broker";
  /**
   * How often the nodes this one depends on are checked, and how many checks may wait on one: a
   * check sent to a node that died but is not yet dropped waits for its timeout, and must not
   * hold back the check that sees it dropped.
   */
  private static final long CHECK_MILLIS = 200;
  private static final int MAX_CHECKS = 8;
  private static final DeliveryOptions CHECK = new DeliveryOptions().setSendTimeout(1000);
  /** How long a login waits for another node to note it; a node that does not answer is dying or hung. */
  private static final DeliveryOptions NOTE = new DeliveryOptions().setSendTimeout(2000);

  private ChatConfig config;
  /** Each login tried while the cluster does not answer would log a line: at most 10 in 10 s. */
  private final RateLimitedLog claimFailures = new RateLimitedLog(log, "failed claims", 10, 10_000, true);
  private final Map<String, Recipient> peers = new HashMap<>();
  private final Map<String, LoopOutbox> loops = new HashMap<>();
  private final List<Recipient> unflushed = new ArrayList<>();
  private final List<LoopOutbox> touched = new ArrayList<>();
  private EndOfTurn endOfTurn;
  private final Set<String> draining = new HashSet<>();
  private final List<Message<Event>> drainRequests = new ArrayList<>();
  private final Promise<Void> drained = Promise.promise();
  private boolean stopping;
  private ChatMetrics metrics;
  // This turn's counts, added to the meters at its end.
  private long routedCount;
  private long deliveredCount;
  private long notConnectedCount;

  // The cluster: all unused on a Vert.x that is not clustered.
  private final String node = UUID.randomUUID().toString();
  private LoginClaims claims;
  private final Directory directory = new Directory();
  private final Set<String> claiming = new HashSet<>();
  private final Map<String, NodeOutbox> nodes = new HashMap<>();
  private final List<NodeOutbox> touchedNodes = new ArrayList<>();
  private final Map<String, Long> acks = new HashMap<>();
  private final Map<String, Integer> checks = new HashMap<>();
  /** Logins the directory heard of while it was being filled from the map; {@code null} once filled. */
  private Set<String> heardWhileSeeding = new HashSet<>();
  private final Set<String> goneNodes = new HashSet<>();
  /** The other nodes' brokers this one knows of. */
  private final Set<String> members = new HashSet<>();
  private long checkTimer = -1;

  @Override
  public Future<?> start() {
    String holder = deployments().putIfAbsent(CLAIM, context.deploymentID());
    if (holder != null) {
      return Future.failedFuture(new IllegalStateException(
        "an a-chat broker is already deployed in this Vert.x instance (deployment " + holder
          + "); deploy one a-chat per Vert.x instance"));
    }
    EventCodec.registerAll(vertx);
    metrics = ChatMetrics.of(vertx);
    LoopWatch.of(vertx).watch("the broker", context);
    endOfTurn = new EndOfTurn(context, this::flush);
    // On a cluster, accept loops are served only once this broker has joined the others.
    return ChatConfig.of(vertx, config())
      .compose(loaded -> {
        config = loaded;
        return vertx.isClustered() ? joinCluster() : Future.succeededFuture();
      })
      .compose(v -> Future.all(
        vertx.eventBus().<Event>localConsumer(Addresses.BROKER, this::handle).completion(),
        vertx.eventBus().localConsumer(Addresses.BROKER_STATUS, m -> m.reply(status())).completion()))
      .onFailure(e -> deployments().remove(CLAIM, context.deploymentID()));
  }

  private LocalMap<String, String> deployments() {
    return vertx.sharedData().getLocalMap("a-chat");
  }

  /**
   * Registers this node's broker address and the directory, then fills the directory from the
   * cluster-wide map of logins, and starts checking on the nodes this one depends on.
   */
  private Future<?> joinCluster() {
    return vertx.sharedData().<String, String>getClusterWideMap(LoginClaims.MAP)
      .compose(map -> {
        claims = new LoginClaims(map, node, goneNodes::contains);
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
        vertx.eventBus().publish(Addresses.DIRECTORY, new Event.Hello(node));
        checkTimer = vertx.setPeriodic(CHECK_MILLIS, t -> checkNodes());
        log.info("a-chat node {} joined the cluster; {} users on {} other nodes", node, all.size(),
          directory.nodes().size());
        return null;
      });
  }

  /**
   * Waits until every accept loop that started has drained (bounded by the drain timeout), so
   * that the order in which Vert.x undeploys verticles does not matter; on a cluster, also until
   * what this node forwarded was acknowledged and its logins are freed.
   */
  @Override
  public Future<?> stop() {
    if (allDrained()) {
      drainedAll();
    }
    Promise<Void> settled = Promise.promise();
    long timer = vertx.setTimer(config.drainTimeoutMillis() + 1000, t -> {
      if (!drained.future().isComplete()) {
        log.warn("stopping without {} accept loop(s) that did not drain", loops.size() - draining.size());
        drainedAll();
      } else {
        log.warn("stopping before the other nodes acknowledged every forwarded message and every login was freed");
      }
      settled.tryComplete();
    });
    drained.future().onComplete(ar -> settle(settled));
    return settled.future().onComplete(ar -> {
      vertx.cancelTimer(timer);
      vertx.cancelTimer(checkTimer);
      deployments().remove(CLAIM, context.deploymentID());
      LoopWatch.of(vertx).forget(context);
    });
  }

  private void settle(Promise<Void> settled) {
    if (settled.future().isComplete()) {
      return;
    }
    if (claims == null || (claims.idle() && claiming.isEmpty()
      && nodes.values().stream().noneMatch(NodeOutbox::waiting))) {
      settled.tryComplete();
    } else {
      vertx.setTimer(10, t -> settle(settled));
    }
  }

  private void handle(Message<Event> envelope) {
    Event event = envelope.body();
    long start = System.nanoTime();
    if (event instanceof Event.LoopStarted started) {
      loop(started.loop());
      envelope.reply(null);
    } else if (event instanceof Event.Drain drain) {
      drain(drain, envelope);
    } else {
      handle(event);
    }
    metrics.brokerEvent(System.nanoTime() - start);
  }

  /** For health probes: whether this broker routes, and how many users it has. */
  private JsonObject status() {
    JsonObject status = new JsonObject().put("routing", !stopping).put("users", peers.size());
    if (claims != null) {
      status.put("cluster", new JsonObject().put("node", node).put("nodes", members.size() + 1));
    }
    return status;
  }

  private void handle(Event event) {
    if (event instanceof Event.Message message) {
      route(message);
    } else if (event instanceof Event.Events batch) {
      batch.events().forEach(this::handle);
    } else if (event instanceof Event.NewPeer joining) {
      join(joining);
    } else if (event instanceof Event.Reply reply) {
      reply(reply);
    } else if (event instanceof Event.Disconnect gone) {
      leave(gone);
    }
  }

  private void join(Event.NewPeer joining) {
    LoopOutbox loop = loop(joining.peer().loop());
    String login = joining.login();
    if (peers.containsKey(login) || claiming.contains(login)) {
      metrics.refused(Refusal.TAKEN);
      loop.add(Delivery.Joined.refused(joining.peer().connection(), Replies.taken(login)));
    } else if (claims == null) {
      peers.put(login, new Recipient(joining.peer(), loop));
      loop.add(Delivery.Joined.accepted(joining.peer().connection()));
    } else {
      claiming.add(login);
      claims.claim(login).onComplete(claim -> claimed(joining, claim.succeeded() ? claim.result() : null,
        claim.cause()));
      return;
    }
    touch(loop);
  }

  /** The cluster's answer to a login claim: {@code holder} is this node if the claim won. */
  private void claimed(Event.NewPeer joining, String holder, Throwable failure) {
    String login = joining.login();
    long connection = joining.peer().connection();
    LoopOutbox loop = loop(joining.peer().loop());
    claiming.remove(login);
    if (failure != null) {
      claimFailures.warn(log, "cannot claim login '{}' in the cluster: {}", login, failure.toString());
      metrics.refused(Refusal.UNAVAILABLE);
      loop.add(Delivery.Joined.refused(connection, "cannot log in now: the cluster did not answer; try again"));
    } else if (!holder.equals(node)) {
      if (!goneNodes.contains(holder)) {
        directory.online(login, holder);
      }
      metrics.refused(Refusal.TAKEN);
      loop.add(Delivery.Joined.refused(connection, Replies.taken(login)));
    } else if (stopping) {
      claims.release(login);
      metrics.refused(Refusal.SHUTTING_DOWN);
      loop.add(Delivery.Joined.refused(connection, "server is shutting down"));
    } else {
      peers.put(login, new Recipient(joining.peer(), loop));
      online(login).onComplete(ar -> {
        LoopOutbox to = loop(joining.peer().loop());
        to.add(Delivery.Joined.accepted(connection));
        touch(to);
      });
      return;
    }
    touch(loop);
  }

  /**
   * Tells every broker that {@code login} is a user of this node; completes once every broker
   * this one knows has noted it (or failed to answer in time), so that a user who is told they
   * are logged in can be reached from every node. Nodes not known yet hear it published.
   */
  private Future<?> online(String login) {
    Event.Online online = new Event.Online(node, login);
    vertx.eventBus().publish(Addresses.DIRECTORY, online);
    List<Future<?>> noted = new ArrayList<>(members.size());
    for (String member : members) {
      noted.add(vertx.eventBus().request(Addresses.node(member), online, NOTE));
    }
    return Future.join(noted);
  }

  private void route(Event.Message message) {
    routedCount++;
    List<String> missing = null;
    Map<String, List<String>> remote = null;
    for (String name : message.recipients()) {
      Recipient recipient = peers.get(name);
      if (recipient != null) {
        deliveredCount++;
        deliver(recipient, message.line());
      } else if (claims != null && directory.nodeOf(name) != null) {
        remote = elsewhere(remote, name);
      } else {
        if (missing == null) {
          missing = new ArrayList<>(2);
        }
        missing.add(name);
      }
    }
    Buffer notConnected = null;
    if (missing != null) {
      notConnectedCount++;
      notConnected = Buffer.buffer(Replies.notConnected(missing));
    }
    if (remote == null) {
      answer(message.from(), message.login(), notConnected, message.line().length());
    } else {
      answer(message.from(), message.login(), notConnected, 0);
      forward(message, remote);
    }
  }

  /** Adds {@code name}, a user of another node, to the recipients by node. */
  private Map<String, List<String>> elsewhere(Map<String, List<String>> remote, String name) {
    Map<String, List<String>> byNode = remote != null ? remote : new HashMap<>(4);
    byNode.computeIfAbsent(directory.nodeOf(name), n -> new ArrayList<>(2)).add(name);
    return byNode;
  }

  /**
   * Queues {@code message} for the other nodes' brokers, each with its recipients there; the
   * sender's credit waits until every one of them has routed it.
   */
  private void forward(Event.Message message, Map<String, List<String>> remote) {
    NodeOutbox.Credit credit = new NodeOutbox.Credit(message.from(), message.line().length(), remote.size());
    remote.forEach((there, names) -> {
      NodeOutbox outbox = nodes.computeIfAbsent(there, NodeOutbox::new);
      outbox.add(new Event.Message(message.from(), message.login(), names, message.line()), credit);
      if (!outbox.touched) {
        outbox.touched = true;
        touchedNodes.add(outbox);
      }
    });
    endOfTurn.request();
  }

  private void reply(Event.Reply reply) {
    answer(reply.to(), reply.login(), reply.line(), reply.line().length());
  }

  /** Gives the sender its answer (if any) behind the lines already routed to it, and its flow-control credit. */
  private void answer(PeerId from, String login, Buffer line, int routedBytes) {
    Recipient sender = peers.get(login);
    if (sender == null || !sender.id.equals(from)) {
      sender = null;
    }
    LoopOutbox loop = sender != null ? sender.loop : loop(from.loop());
    if (line != null) {
      if (sender != null) {
        deliver(sender, line);
      } else {
        loop.add(new Delivery.Lines(from.connection(), line));
      }
    }
    if (routedBytes > 0) {
      loop.routed(from.connection(), routedBytes);
    }
    touch(loop);
  }

  private void leave(Event.Disconnect gone) {
    Recipient recipient = peers.get(gone.login());
    if (recipient != null && recipient.id.equals(gone.peer())) {
      peers.remove(gone.login());
      recipient.flush();
      offline(gone.login());
    }
    LoopOutbox loop = loop(gone.peer().loop());
    loop.add(new Delivery.Released(gone.peer().connection()));
    touch(loop);
  }

  /** On a cluster: {@code login} is no longer a user of this node. */
  private void offline(String login) {
    if (claims != null) {
      vertx.eventBus().publish(Addresses.DIRECTORY, new Event.Offline(node, login));
      claims.release(login);
    }
  }

  private void deliver(Recipient recipient, Buffer line) {
    if (recipient.add(line)) {
      unflushed.add(recipient);
      touch(recipient.loop);
    }
  }

  private void touch(LoopOutbox loop) {
    if (!loop.touched) {
      loop.touched = true;
      touched.add(loop);
    }
    endOfTurn.request();
  }

  /**
   * Ends the broker's turn: every accept loop it has something for gets it in one delivery, and
   * so does every other node's broker.
   */
  private void flush() {
    if (claims != null) {
      flushNodes();
    }
    metrics.routed(routedCount, deliveredCount, notConnectedCount);
    metrics.usersOnline(peers.size());
    routedCount = 0;
    deliveredCount = 0;
    notConnectedCount = 0;
    for (Recipient recipient : unflushed) {
      recipient.flush();
    }
    unflushed.clear();
    for (LoopOutbox loop : touched) {
      loop.touched = false;
      if (!loop.isEmpty()) {
        vertx.eventBus().send(loop.address, loop.take(), Addresses.LOCAL);
      }
    }
    touched.clear();
  }

  /** Ends the turn for the other nodes: each gets its lines in one message, and its acknowledgements. */
  private void flushNodes() {
    for (NodeOutbox outbox : touchedNodes) {
      outbox.touched = false;
      if (!outbox.isEmpty()) {
        vertx.eventBus().send(outbox.address, outbox.take(node));
      }
    }
    touchedNodes.clear();
    acks.forEach((from, batch) -> vertx.eventBus().send(Addresses.node(from), new Event.Ack(node, batch)));
    acks.clear();
  }

  /** From another node's broker: lines for users here, an acknowledgement, or a check that this node is up. */
  private void fromNode(Message<Event> envelope) {
    Event event = envelope.body();
    if (event instanceof Event.Forward forward) {
      long start = System.nanoTime();
      for (Event.Message message : forward.messages()) {
        for (String name : message.recipients()) {
          Recipient recipient = peers.get(name);
          // One who left since is not told about it; the sender's node learns it from the directory.
          if (recipient != null) {
            deliveredCount++;
            deliver(recipient, message.line());
          }
        }
      }
      acks.put(forward.node(), forward.batch());
      endOfTurn.request();
      metrics.brokerEvent(System.nanoTime() - start);
    } else if (event instanceof Event.Ack ack) {
      NodeOutbox outbox = nodes.get(ack.node());
      if (outbox != null) {
        outbox.acked(ack.batch()).forEach(this::credit);
      }
    } else if (event instanceof Event.Online online) {
      noteOnline(online);
      envelope.reply(null);
    } else if (event instanceof Event.Hello hello) {
      member(hello.node());
    } else if (event == null) {
      envelope.reply(null);
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

  private void credit(NodeOutbox.Credit credit) {
    LoopOutbox loop = loop(credit.from.loop());
    loop.routed(credit.from.connection(), credit.bytes);
    touch(loop);
  }

  private void directory(Event event) {
    if (event instanceof Event.Online online) {
      noteOnline(online);
    } else if (event instanceof Event.Hello hello && !hello.node().equals(node)) {
      member(hello.node());
      vertx.eventBus().send(Addresses.node(hello.node()), new Event.Hello(node));
    } else if (event instanceof Event.Offline offline && !offline.node().equals(node)) {
      heard(offline.login());
      directory.offline(offline.login(), offline.node());
    }
  }

  private void heard(String login) {
    if (heardWhileSeeding != null) {
      heardWhileSeeding.add(login);
    }
  }

  /**
   * Asks the broker of every node this one knows of (or that has users, or owes
   * acknowledgements) whether it is there. "No handlers" means the node left or the cluster manager dropped it.
   */
  private void checkNodes() {
    claimFailures.tick();
    Set<String> wanted = new HashSet<>(members);
    wanted.addAll(directory.nodes());
    nodes.values().stream().filter(NodeOutbox::waiting).forEach(outbox -> wanted.add(outbox.node));
    for (String there : wanted) {
      if (checks.getOrDefault(there, 0) >= MAX_CHECKS) {
        continue;
      }
      checks.merge(there, 1, Integer::sum);
      vertx.eventBus().request(Addresses.node(there), null, CHECK).onComplete(ar -> {
        checks.computeIfPresent(there, (n, count) -> count > 1 ? count - 1 : null);
        if (ar.failed() && ar.cause() instanceof ReplyException e && e.failureType() == ReplyFailure.NO_HANDLERS) {
          nodeGone(there);
        }
      });
    }
  }

  /**
   * A node is gone: its users are gone (what was in flight to them is lost), senders here get
   * their credit back, and the logins it held are freed in the cluster-wide map.
   */
  private void nodeGone(String gone) {
    if (!goneNodes.add(gone)) {
      return;
    }
    members.remove(gone);
    Set<String> users = directory.forget(gone);
    if (users.isEmpty()) {
      log.info("a-chat node {} left the cluster", gone);
    } else {
      log.info("a-chat node {} is gone: its {} users known here are logged out", gone, users.size());
    }
    NodeOutbox outbox = nodes.remove(gone);
    if (outbox != null) {
      outbox.lost().forEach(this::credit);
      touchedNodes.remove(outbox);
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

  private boolean allDrained() {
    return draining.containsAll(loops.keySet());
  }

  private LoopOutbox loop(String address) {
    return loops.computeIfAbsent(address, LoopOutbox::new);
  }

  private void drain(Event.Drain drain, Message<Event> request) {
    loop(drain.loop());
    draining.add(drain.loop());
    drainRequests.add(request);
    if (allDrained()) {
      drainedAll();
    }
  }

  /**
   * Every accept loop stopped reading and every line read has been routed: the users of this
   * node leave the cluster now, so that their logins are free before the node is gone.
   */
  private void drainedAll() {
    if (stopping) {
      return;
    }
    stopping = true;
    log.debug("every accept loop stopped reading; {} users to drain", peers.size());
    if (claims != null) {
      // What was routed to them this turn is still flushed below.
      peers.keySet().forEach(this::offline);
      peers.clear();
    }
    flush();
    drainRequests.forEach(r -> r.reply(null));
    drainRequests.clear();
    drained.tryComplete();
  }
}
