package io.achat.broker;

import io.achat.config.BusAddresses;
import io.achat.ops.RateLimitedLog;
import io.achat.protocol.Replies;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.Predicate;

/**
 * After a hang or a partition has ended: the cluster manager merged the two sides' maps of
 * logins, and each login has one holder again, the one the merged map names. Every login of this
 * node is checked against it: a user here whose login the map gives to another node is told so
 * and leaves; the node that came back is told of each login this node still holds. Runs on the
 * broker's context.
 */
final class MergeCheck {

  /** The cluster routing's name: these lines are part of its story of the nodes. */
  private static final Logger log = LoggerFactory.getLogger(ClusterRouting.class);

  private final String node;
  private final LoginClaims claims;
  private final LocalUsers users;
  private final Directory directory;
  private final ClusterBus bus;
  /** Whether a node is taken for gone here. */
  private final Predicate<String> gone;
  private final RateLimitedLog claimFailures;

  MergeCheck(String node, LoginClaims claims, LocalUsers users, Directory directory, ClusterBus bus,
             Predicate<String> gone, RateLimitedLog claimFailures) {
    this.node = node;
    this.claims = claims;
    this.users = users;
    this.directory = directory;
    this.bus = bus;
    this.gone = gone;
    this.claimFailures = claimFailures;
  }

  /**
   * {@code back}, taken for gone here, answers again: it is told ({@link Event.Back}), so that it
   * checks its own users too, and this node's are checked.
   */
  void cameBack(String back) {
    Map<String, Recipient> held = users.snapshot();
    log.info("a-chat node {} is back: the cluster healed; checking the {} logins of this node", back, held.size());
    bus.send(BusAddresses.node(back), new Event.Back(node));
    check(back, held);
  }

  /** {@code back} and this node were apart, as {@code back} said: this node's logins are checked. */
  void check(String back) {
    check(back, users.snapshot());
  }

  /**
   * Checks each login of this node ({@code held}, as it was when the check began) against the
   * merged map: a login the map gives to another node is displaced here; {@code back} is told of
   * each that this node still holds.
   */
  private void check(String back, Map<String, Recipient> held) {
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
        bus.send(BusAddresses.node(back), new Event.Online(node, login));
      }
    });
  }

  /**
   * This node took {@code login} from a dropped node ({@link Handover}), but the map names
   * {@code holder}, which claimed it meanwhile: this node's user of that name leaves.
   */
  void lost(String login, String holder) {
    Recipient held = users.user(login);
    if (held != null) {
      displace(login, held, holder, "while a node was let go", "let in before the map could say so");
    }
  }

  /** {@code holder} holds {@code login} in the merged cluster: this node's user of that name leaves. */
  private void displace(String login, Recipient held, String holder) {
    displace(login, held, holder, "while the cluster was split", "since the cluster healed");
  }

  /** {@code holder} holds {@code login}, which this node's user {@code held} logged in with {@code when}: it leaves. */
  private void displace(String login, Recipient held, String holder, String when, String why) {
    users.displace(login, held, Buffer.buffer(Replies.error("'" + login + "' logged in on another node too " + when
      + ", and that login holds it now; this connection is closed")));
    if (!gone.test(holder)) {
      directory.online(login, holder);
    }
    log.info("'{}' is held by node {} ({}): its connection here is closed", login, holder, why);
  }
}
