package io.achat.server;

import io.achat.ops.ChatMetrics.Refusal;
import io.achat.protocol.Logins;
import io.achat.protocol.Replies;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * The first line of one connection, the login: a name, and a password for a registered one.
 * Checked here, with its deadline ({@code loginTimeoutMillis}); then the connection asks the
 * broker for the name, or tells the client why not. Its log lines are the connection's.
 */
final class LoginStep {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  /** What the connection does with the login's outcome. */
  interface Outcome {
    /** A registered name's password is being checked: nothing more is read meanwhile. */
    void checking();

    /** {@code login} may go on to the broker. */
    void join(String login);

    /** Refused: tell the client {@code reason} (a whole line) and close. */
    void refuse(byte[] reason);
  }

  private final ConnectionContext context;
  private final Link link;
  private final ConnectionState state;
  private final Outcome outcome;
  private final long deadline;

  LoginStep(ConnectionContext context, Link link, ConnectionState state, Outcome outcome) {
    this.context = context;
    this.link = link;
    this.state = state;
    this.outcome = outcome;
    this.deadline = context.vertx().setTimer(context.config().loginTimeoutMillis(), t -> timedOut());
  }

  /** The login line, decoded. */
  void line(String line) {
    String name = line.strip();
    String password = null;
    Accounts accounts = context.accounts();
    int space = name.indexOf(' ');
    if (accounts != null && space > 0) { // 'name password': the password is never logged nor answered
      password = name.substring(space + 1);
      name = name.substring(0, space);
    }
    Optional<String> invalid = Logins.check(name, context.config().maxLoginLength());
    if (invalid.isPresent()) {
      refuse(Refusal.INVALID, invalid.get());
      return;
    }
    context.vertx().cancelTimer(deadline);
    if (accounts == null) {
      outcome.join(name);
      return;
    }
    outcome.checking();
    String login = name;
    SocketAddress client = link.remoteAddress();
    accounts.check(name, password, link.secure(), client == null ? null : client.hostAddress()).onComplete(ar -> {
      if (!state.is(ConnectionState.Chat.CHECKING)) {
        return; // closed meanwhile
      }
      String why = ar.failed() ? "the password could not be checked" : ar.result().orElse(null);
      if (why == null) {
        outcome.join(login);
      } else {
        context.logs().refusals().info(log, "{} refused as '{}': {}", link.remoteAddress(), login, why);
        outcome.refuse(Replies.error(why));
      }
    });
  }

  /** Refuses the login for {@code why}, the words the client is told and the log says; counted as {@code reason}. */
  void refuse(Refusal reason, String why) {
    context.logs().refusals().info(log, "{} refused: {}", link.remoteAddress(), why);
    context.metrics().refused(reason);
    outcome.refuse(Replies.error(why));
  }

  /** The server is full and a newer connection takes this one's place: refused if it has not logged in. */
  void evicted() {
    if (state.is(ConnectionState.Chat.LOGIN)) {
      context.logs().refusals().info(log, "{} refused: server full, and it had not logged in", link.remoteAddress());
      context.metrics().refused(Refusal.EVICTED);
      outcome.refuse(Replies.error("server full"));
    }
  }

  /** The connection is over, or logged in: the deadline no longer runs. */
  void cancel() {
    context.vertx().cancelTimer(deadline);
  }

  private void timedOut() {
    if (state.is(ConnectionState.Chat.LOGIN)) {
      long millis = context.config().loginTimeoutMillis();
      refuse(Refusal.TIMEOUT, "no login within " + (millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms"));
    }
  }
}
