package io.achat.server;

import io.achat.broker.Event;
import io.achat.broker.PeerId;
import io.achat.config.ChatConfig;
import io.achat.ops.ChatMetrics;
import io.achat.ops.ChatMetrics.Eviction;
import io.achat.protocol.Replies;
import io.achat.server.ConnectionState.Chat;
import io.vertx.core.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


/**
 * The book's {@code connection_loop} for one socket: its {@link Link} hands over what the client
 * sends line by line; the first is the login, every later one a message or an error for the
 * sender, all handed to the broker in order. What the broker sends back is written here, on the
 * socket's own event loop, which also counts the bytes not yet sent. TCP and WebSocket clients
 * differ only in their link.
 */
final class Connection implements LoginStep.Outcome {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private final ConnectionContext context;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final Link link;
  private final long id;
  /** Its place in the node's counts, held until its socket closes. */
  private final Doorkeeper.Slot slot;
  private final PeerId peer;
  private final ConnectionState state = new ConnectionState(this::uncounted);
  private final Output output;
  private final InboundCredit credit;
  private final TurnShare share;
  private final LoginStep loginStep;
  private final Inbound inbound;
  private String login;
  /** Its lines once it has asked for its login. */
  private ChatStep chat;
  /** Bytes the client sent that its link holds and has not handed over as lines yet. */
  private long unread;
  /** Bytes the broker holds for its watch list. */
  private long watching;

  Connection(ConnectionContext context, Link link, long id, Doorkeeper.Slot slot) {
    this.context = context;
    this.config = context.config();
    this.metrics = context.metrics();
    this.link = link;
    this.id = id;
    this.slot = slot;
    this.peer = new PeerId(context.inbox(), id);
    this.credit = new InboundCredit(config.maxInFlightBytes());
    this.share = new TurnShare(context.vertx(), this::updateReading);
    this.output = new Output(link, metrics, this::hold);
    this.loginStep = new LoginStep(context, link, state, this);
    this.inbound = new Inbound(context, this, state, link);
    link.open(inbound);
    log.debug("{} connected", link.remoteAddress());
  }

  long id() {
    return id;
  }

  /** What this client makes the server hold now, counted against maxClientMemory while it is in the chat. */
  long held() {
    return state.counted() ? output.queued() + credit.inFlight() + unread + watching : 0;
  }

  /** Whether the memory budget may cut this client off now. */
  boolean evictable() {
    return state.evictable();
  }

  private void hold(long bytes) {
    if (state.counted()) {
      context.memory().hold(bytes);
    }
  }

  /** Its bytes stopped counting against the budget: nothing more is owed to this client. */
  private void uncounted() {
    context.memory().hold(-(output.queued() + credit.inFlight() + unread + watching));
  }

  /** The broker holds {@code bytes} for its watch list now. */
  void watching(long bytes) {
    hold(bytes - watching);
    watching = bytes;
  }

  /** It holds {@code bytes} more (or fewer, when negative) of what the client sent, not yet lines. */
  void holding(long bytes) {
    unread += bytes;
    hold(bytes);
  }

  /** Every third of webSocketTimeoutMillis: a WebSocket client is pinged. */
  void ping() {
    if (state.socketOpen()) {
      link.ping();
    }
  }

  /** The loop's heartbeat, where an idle timer lets go of stalled clients (see {@link Output}). */
  void heartbeat(boolean late) {
    if (state.socketOpen()) {
      output.heartbeat(late);
    }
  }

  /** The socket failed: the kernel may have let it go for taking nothing (Stalls.KERNEL). */
  void socketFailed(Throwable e) {
    output.failed(e);
    log.debug("{} ({}): {}", link.remoteAddress(), login, e.toString());
  }

  LoginStep loginStep() {
    return loginStep;
  }

  ChatStep chat() {
    return chat;
  }

  /** The name it logs in as, once it has said it; null before. */
  String name() {
    return login;
  }

  /** The login line, decoded. */
  void login(String line) {
    context.doorkeeper().settled(slot);
    loginStep.line(line);
  }

  @Override
  public void checking() {
    move(Chat.CHECKING);
  }

  /** Asks the broker for {@code name}. */
  @Override
  public void join(String name) {
    login = name;
    chat = new ChatStep(context.broker(), peer, name, credit, share, this::hold, this::updateReading);
    move(Chat.JOINING);
    context.broker().send(new Event.NewPeer(peer, login));
  }

  /** The broker's answer to the login: empty when accepted, else why not. */
  void joined(String refusal) {
    if (!state.is(Chat.JOINING)) {
      return;
    }
    if (!refusal.isEmpty()) {
      context.logs().refusals().info(log, "{} refused: {}", link.remoteAddress(), refusal);
      refuse(Replies.error(refusal));
      return;
    }
    context.logs().comings().info(log, "{} logged in as {}", link.remoteAddress(), login);
    metrics.loginAccepted();
    move(Chat.CHATTING); // also lets through what a client that hung up already sent, then its end
    if (!state.socketOpen() && state.serverStopping()) {
      leave(null); // at shutdown reading does not resume: its end would not come
    }
  }

  /** The broker has routed {@code bytes} of this client's lines. */
  void routed(int bytes) {
    chat.routed(bytes);
  }

  /**
   * Reads only while the login is settled and the broker keeps up with this client; otherwise
   * the parser holds what it has and stops reading the socket, so TCP slows the client down. A
   * client that spent its share of this turn of the loop waits for the next.
   */
  private void updateReading() {
    link.reading(state.reads() && !credit.spent() && !share.spent());
  }

  /** Moves the chat on, and reads or not as the new step says. */
  private void move(Chat next) {
    state.to(next);
    updateReading();
  }

  /** Lines the broker routed to this client. */
  void write(Buffer bytes) {
    if (!state.socketOpen() || state.chat().over()) {
      return;
    }
    if (output.write(bytes) > config.maxQueuedBytes()) {
      context.logs().cutOffs().warn(log, "{} ({}) is not reading: {} bytes queued for it, more than maxQueuedBytes;"
        + " disconnecting", link.remoteAddress(), login, output.queued());
      metrics.slowConsumer();
      metrics.evicted(Eviction.QUEUE);
      cutOff();
    }
  }

  /** The node holds more than maxClientMemory for its clients, and this one holds among the most. */
  void evictForMemory(long budget) {
    context.logs().cutOffs().warn(log, "{} ({}) holds {} bytes, among the most while the server holds more than"
      + " maxClientMemory ({}) for its clients; disconnecting", link.remoteAddress(), login, held(), budget);
    metrics.evicted(Eviction.MEMORY);
    cutOff();
  }

  /**
   * Holding more for this client would let it grow the server's memory. It leaves the chat now,
   * without a last line (what is queued for it is what does not move); its socket closes once
   * what is queued has left, or when the socket's idle timer finds it taking nothing.
   */
  private void cutOff() {
    if (state.is(Chat.CHATTING)) {
      chat.leave();
    }
    move(Chat.CUT_OFF);
    over();
    link.close();
  }

  /** Before or at login: tells the client why and closes. */
  @Override
  public void refuse(byte[] reason) {
    move(Chat.GONE);
    over();
    loginStep.cancel();
    link.write(Buffer.buffer(reason));
    link.close();
  }

  /**
   * Gives the login back, after a last answer if there is one; the socket closes once the
   * broker has sent this client everything it routed to it before.
   */
  void leave(byte[] lastAnswer) {
    if (lastAnswer != null) {
      chat.reply(lastAnswer);
    }
    move(Chat.LEAVING);
    chat.leave();
    if (!state.socketOpen()) {
      done();
    }
  }

  /**
   * Another node holds this client's login since the cluster healed; the broker has written why
   * and no longer routes to it. It leaves as if it had ended.
   */
  void displaced() {
    if (state.is(Chat.CHATTING)) {
      leave(null);
    }
  }

  /** The broker's answer to the disconnect: every line for this client is written or queued. */
  void released() {
    if (state.is(Chat.LEAVING)) {
      done();
    }
  }

  private void done() {
    end();
    link.close();
  }

  /** Nothing more to do for this client, unless that is so already. */
  private void end() {
    state.end();
    updateReading();
    over();
  }

  /** Its chat is over: its place no longer makes room for others; once its socket is closed too, its loop forgets it. */
  private void over() {
    context.doorkeeper().settled(slot);
    if (state.forgotten()) {
      context.connections().forget(this);
    }
  }

  /** The parser has handed over every line the client sent before its end. */
  void ended() {
    if (state.is(Chat.CHATTING)) {
      context.logs().comings().info(log, "{} ({}) left", link.remoteAddress(), login);
      leave(null);
    }
  }

  void closed() {
    if (output.stuck() > 0 && !state.is(Chat.CUT_OFF)) {
      context.logs().cutOffs().info(log, "{} ({}) took none of the {} bytes queued for it for {} ms; disconnected",
        link.remoteAddress(), login, output.stuck(), config.stallTimeoutMillis());
    }
    state.socketClosed();
    context.doorkeeper().release(slot);
    loginStep.cancel();
    switch (state.chat()) {
      case LOGIN, CHECKING -> {
        context.logs().comings().info(log, "{} disconnected", link.remoteAddress());
        end();
      }
      case CHATTING -> {
        // Its end reaches the parser once reading resumes; at shutdown reading does not resume.
        if (state.serverStopping()) {
          context.logs().comings().info(log, "{} ({}) closed at shutdown", link.remoteAddress(), login);
          leave(null);
        }
      }
      case GONE, CUT_OFF -> context.connections().forget(this);
      default -> {
        // JOINING: joined() goes on once the broker answers. LEAVING: released() does.
      }
    }
  }

  /** Shutdown: read nothing more; what was read is on its way to the broker. */
  void stopReading() {
    state.stopping();
    updateReading();
    if (state.is(Chat.LOGIN) || state.is(Chat.CHECKING)) {
      end();
      link.close();
    }
  }

  /** Shutdown, once the broker has routed everything: close after what is queued has been written. */
  void close() {
    if (state.is(Chat.CHATTING)) {
      chat.leave();
    }
    if (!state.is(Chat.LEAVING)) {
      end();
    }
    link.close();
  }

  /**
   * Shutdown, at the drain deadline: the accept loop stops waiting for this client, whose socket
   * the idle timer closes once it has taken nothing for the stall timeout.
   */
  void tooLate() {
    context.logs().cutOffs().info(log, "{} ({}) did not take its last messages in time; no longer waiting for it",
      link.remoteAddress(), login);
  }
}
