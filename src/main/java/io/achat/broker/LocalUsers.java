package io.achat.broker;

import io.vertx.core.buffer.Buffer;

import java.util.Map;

/**
 * This node's logged-in users as the cluster's side of the broker sees them. The broker alone
 * holds them (login → {@link Recipient}) and changes them: the other nodes' doings that touch a
 * user here go through these methods, on the broker's context.
 */
interface LocalUsers {

  /** The user logged in here as {@code login}, or {@code null}. */
  Recipient user(String login);

  /** A copy of who is logged in here now: each login with its user. */
  Map<String, Recipient> snapshot();

  /**
   * Gives {@code line} to the connection {@code from}: behind the lines routed to it this turn
   * while it is the user logged in as {@code login}, else on its own (it has left since, or its
   * login was refused).
   */
  void answer(PeerId from, String login, Buffer line);

  /**
   * {@code user}, logged in here as {@code login}, leaves because another node holds the login:
   * it is told {@code why} behind the lines of this turn, then its connection closes
   * ({@link Delivery.Displaced}). The login is not given back, as this node does not hold it.
   */
  void displace(String login, Recipient user, Buffer why);

  /** {@code login} came to or left another node, as far as this node knows. */
  void elsewhereChanged(String login);
}
