package io.achat.broker;

import io.achat.cluster.ClusterMembers;
import io.achat.config.BusAddresses;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The logins of a node just dropped from the cluster, handed to their users as they come back on
 * another node before the map of logins can say so. Writes to the map wait until Hazelcast has
 * given each partition the dropped node owned a new owner: at once in a settled cluster, seconds
 * later when the node died while partitions moved. Users should not wait for that.
 *
 * <p>So a login this node knew the dropped node held (an orphan) is asked of one deputy: the
 * broker on the oldest member, the same for every node whose member list has caught up. The
 * deputy lets the first node that asks take it and answers the others with that node, until
 * the taker has written itself into the map ({@link Event.Settled}). The taker lets its user in
 * at once and writes in the background; if the map names another holder then (a node whose view
 * differed claimed it through the map), its user is displaced, as after a split. A deputy that
 * does not answer leaves the claim to the map. Runs on the broker's context.
 */
final class Handover {

  /** How long a taker waits for the deputy: one that does not answer in time leaves the claim to the map. */
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(1000);
  /** A grant whose taker never said it was written (it died too) is forgotten after this. */
  private static final long GRANT_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** The cluster routing's name: these lines are part of its story of the nodes. */
  private static final Logger log = LoggerFactory.getLogger(ClusterRouting.class);

  private final String node;
  /** Hazelcast's member list, or {@code null}: then nothing is handed over, and the map decides every claim. */
  private final MemberList members;
  private final ClusterBus bus;
  private final LoginClaims claims;
  /** The other brokers this one knows, and this one. */
  private final Supplier<Set<String>> brokers;
  /** Told of a login this node took whose map entry then named another node. */
  private final BiConsumer<String, String> lost;
  /** Orphans known here: login → the dropped node that held it. */
  private final Map<String, String> orphans = new HashMap<>();
  /** On the deputy: login → what it let a node take. */
  private final Map<String, Grant> grants = new HashMap<>();

  private record Grant(String node, long since) {
  }

  /**
   * What the handover reads of the member list ({@link ClusterMembers}): which brokers are on
   * nodes no longer members, and which of some brokers is on the oldest member.
   */
  record MemberList(Supplier<Predicate<String>> left, Function<Collection<String>, String> oldest) {

    static MemberList of(ClusterMembers members) {
      return members == null ? null : new MemberList(members::left, members::oldest);
    }
  }

  Handover(String node, MemberList members, ClusterBus bus, LoginClaims claims, Supplier<Set<String>> brokers,
           BiConsumer<String, String> lost) {
    this.node = node;
    this.members = members;
    this.bus = bus;
    this.claims = claims;
    this.brokers = brokers;
    this.lost = lost;
  }

  /**
   * {@code gone} is gone, holding {@code itsUsers} as far as this node knew: they are freed in
   * the map, then any others the map still gives it; one claimed meanwhile is taken over. Until
   * they are, each of {@code itsUsers} is an orphan, with the member list at hand.
   */
  void gone(String gone, Set<String> itsUsers) {
    if (members != null) {
      itsUsers.forEach(login -> orphans.put(login, gone));
    }
    long start = System.nanoTime();
    claims.freeAll(itsUsers, gone)
      .compose(v -> claims.releaseAll(gone))
      .onComplete(ar -> {
        forget(gone);
        if (ar.failed()) {
          log.warn("a-chat node {} is gone, but freeing its logins failed: {}", gone, ar.cause().toString());
        } else if (!itsUsers.isEmpty() || ar.result() > 0) {
          log.info("the logins of node {} are free again ({} ms)", gone,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
      });
  }

  /** The map names a holder for every login {@code node} held again, or {@code node} is back: none is an orphan. */
  void forget(String node) {
    orphans.values().removeIf(node::equals);
  }

  /** The dropped node that held {@code login}, as this node knew, or {@code null}. */
  String orphanOf(String login) {
    return orphans.get(login);
  }

  /**
   * Claims {@code login}, an orphan of {@code from}, through the deputy: completes with the node
   * holding it, this one if it may take it. Failing that, the map decides.
   */
  Future<String> take(String login, String from) {
    Event.Take take = new Event.Take(login, from, node);
    String deputy = members.oldest().apply(brokers.get());
    boolean here = deputy == null || deputy.equals(node);
    Future<String> answer = here
      ? Future.succeededFuture(grant(take))
      : bus.<String>request(BusAddresses.node(deputy), take, ASK).map(Message::body);
    return answer.transform(ar -> {
      if (ar.failed()) {
        return claims.claim(login);
      }
      if (ar.result().equals(node)) {
        orphans.remove(login); // later claims of it here follow this one through the map
        claims.takeOver(login, from).onComplete(written -> {
          Event.Settled settled = new Event.Settled(login, node);
          if (here) {
            written(settled);
          } else {
            bus.send(BusAddresses.node(deputy), settled);
          }
          if (written.failed()) {
            log.warn("'{}', taken from node {} that is gone, could not be written in the map of logins: {}", login, from,
              written.cause().toString());
          } else if (!written.result().equals(node)) {
            lost.accept(login, written.result());
          }
        });
      }
      return Future.succeededFuture(ar.result());
    });
  }

  /** As the deputy, answers {@code take}: fails without the member list, so that the asker claims through the map. */
  void asked(Event.Take take, Message<Event> envelope) {
    if (members == null) {
      envelope.fail(0, "this node does not see the cluster's member list");
    } else {
      envelope.reply(grant(take));
    }
  }

  /**
   * As the deputy: the node that holds {@code take}'s login now. The node that asks first gets
   * it, once the member list here no longer has the node that held it.
   */
  private String grant(Event.Take take) {
    Grant granted = grants.get(take.login());
    Predicate<String> left = members.left().get();
    if (granted != null && System.nanoTime() - granted.since < GRANT_NANOS && !left.test(granted.node)) {
      return granted.node;
    }
    if (!left.test(take.from())) {
      return take.from();
    }
    grants.put(take.login(), new Grant(take.node(), System.nanoTime()));
    return take.node();
  }

  /** As the deputy: the taker wrote itself into the map. */
  void written(Event.Settled settled) {
    Grant granted = grants.get(settled.login());
    if (granted != null && granted.node.equals(settled.node())) {
      grants.remove(settled.login());
    }
  }

  /** Forgets grants whose taker never said it wrote them. */
  void tick() {
    long now = System.nanoTime();
    grants.values().removeIf(granted -> now - granted.since >= GRANT_NANOS);
  }
}
