package io.achat.server;

import io.achat.broker.Event;
import io.achat.broker.PeerId;
import io.achat.config.ChatConfig;
import io.achat.doors.Admission;
import io.achat.ops.ChatMetrics;
import io.achat.ops.ChatMetrics.Eviction;
import io.achat.ops.ChatMetrics.Refusal;
import io.achat.protocol.ChatLine;
import io.achat.protocol.Logins;
import io.achat.protocol.Replies;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The book's {@code connection_loop} for one socket: its {@link Link} hands over what the client
 * sends line by line; the first is the login, every later one a message or an error for the
 * sender, all handed to the broker in order. What the broker sends back is written here, on the
 * socket's own event loop, which also counts the bytes not yet sent. TCP and WebSocket clients
 * differ only in their link.
 */
final class Connection {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private enum State {
    /** Waiting for the login line. */
    LOGIN,
    /** The password of a registered name is being checked; nothing more is read until it has. */
    CHECKING,
    /** The broker is deciding on the login; nothing more is read until it has. */
    JOINING,
    CHATTING,
    /** Told the broker it is leaving; closes once the broker has sent it everything. */
    LEAVING,
    /** Nothing more is read, sent to the broker or written. */
    GONE
  }

  private static final byte NL = '\n';

  private final ServerVerticle loop;
  private final ChatConfig config;
  private final ChatMetrics metrics;
  private final Link link;
  private final long id;
  /** Its place in the node's counts, held until its socket closes. */
  private final Doorkeeper.Slot slot;
  private final PeerId peer;
  private State state = State.LOGIN;
  private String login;
  /** {@code from <login>: } in UTF-8, once the broker has accepted the login: each message's head. */
  private byte[] from;
  private long loginTimer;
  /** Bytes written to the socket that have not left for the network yet. */
  private long queued;
  /** Bytes of this client's messages and replies the broker has not routed yet. */
  private long inFlight;
  /** Bytes the client sent that its link holds and has not handed over as lines yet. */
  private long unread;
  /** Whether the bytes above count against maxClientMemory: until the client is cut off or gone. */
  private boolean counted = true;
  /** Whether a write to the socket completed since the last heartbeat. */
  private boolean wrote;
  /** Heartbeats since the socket's output last surely moved (see {@link #heartbeat}). */
  private int quiet;
  /** The bytes queued at the last heartbeat, when none had left since the one before; else 0. */
  private long stuck;
  /** Cut off for what it held: that was logged, its socket's close need not be. */
  private boolean cut;
  private boolean waitingForBroker;
  private boolean stopped;
  private boolean paused;
  private boolean closed;

  Connection(ServerVerticle loop, Link link, long id, Doorkeeper.Slot slot) {
    this.loop = loop;
    this.config = loop.chatConfig();
    this.metrics = loop.metrics();
    this.link = link;
    this.id = id;
    this.slot = slot;
    this.peer = new PeerId(loop.address(), id);
    link.open(this);
    loginTimer = loop.vertx().setTimer(config.loginTimeoutMillis(), t -> loginTimedOut());
    log.debug("{} connected", link.remoteAddress());
  }

  /** What this client makes the server hold now, counted against maxClientMemory while it is in the chat. */
  long held() {
    return counted ? queued + inFlight + unread : 0;
  }

  /**
   * Whether the budget may cut this client off now: not while the broker decides on its login
   * (it holds no more than one read then), nor once it is gone.
   */
  boolean evictable() {
    return counted && state != State.GONE && state != State.JOINING && state != State.CHECKING;
  }

  private void hold(long bytes) {
    if (counted) {
      loop.hold(bytes);
    }
  }

  /** Its bytes no longer count against the budget: nothing more is owed to this client. */
  private void uncount() {
    if (counted) {
      loop.hold(-(queued + inFlight + unread));
      counted = false;
    }
  }

  /** From the link: it holds {@code bytes} more (or fewer, when negative) of what the client sent. */
  void holding(long bytes) {
    unread += bytes;
    hold(bytes);
  }

  /** Every third of webSocketTimeoutMillis: a WebSocket client is pinged. */
  void ping() {
    if (!closed) {
      link.ping();
    }
  }

  /**
   * Where an idle timer lets go of stalled clients ({@link Stalls#CLOCK}), every
   * {@link ServerVerticle#HEARTBEATS_PER_STALL}th of stallTimeoutMillis: a connection whose output
   * has not moved for two thirds of it is written nothing, which tells the socket's idle timer
   * that its output moves; so the timer, which closes after stallTimeoutMillis, keeps a third in
   * hand for a late heartbeat. A write that completed since the last heartbeat counts as one
   * heartbeat old, the earliest it can have been; an idle connection is written nothing every
   * two thirds of the timeout. One whose queued bytes do not move gets nothing, so the timer
   * closes it once it has taken nothing for the stall timeout: that is how a client that does
   * not read is let go. A {@code late} heartbeat, after the process was stopped, writes nothing
   * to every connection with nothing queued, before the overdue idle timers run.
   */
  void heartbeat(boolean late) {
    stuck = wrote ? 0 : queued;
    if (queued == 0 && !closed && (late || !wrote && ++quiet >= ServerVerticle.HEARTBEATS_PER_STALL * 2 / 3)) {
      link.keepAlive();
      quiet = 0;
    } else if (wrote) {
      quiet = 1;
    }
    wrote = false;
  }

  long id() {
    return id;
  }

  /** A line from the client, without its {@code \n}. */
  void line(Buffer record) {
    if (state != State.LOGIN && state != State.CHATTING) {
      return;
    }
    int length = record.length();
    if (length > 0 && record.getByte(length - 1) == '\r') {
      length--;
    }
    if (length > config.maxLineLength()) {
      tooLong();
      return;
    }
    byte[] bytes = loop.scratch(length);
    record.getBytes(0, length, bytes, 0);
    String text;
    try {
      text = loop.utf8().decode(bytes, 0, length);
    } catch (CharacterCodingException e) {
      invalidUtf8();
      return;
    }
    if (state == State.LOGIN) {
      login(text);
    } else {
      chat(text, bytes, length);
    }
  }

  private void login(String line) {
    loop.doorkeeper().settled(slot);
    String name = line.strip();
    String password = null;
    Accounts accounts = loop.accounts();
    int space = name.indexOf(' ');
    if (accounts != null && space > 0) { // 'name password': the password is never logged nor answered
      password = name.substring(space + 1);
      name = name.substring(0, space);
    }
    Optional<String> refusal = Logins.check(name, config.maxLoginLength());
    if (refusal.isPresent()) {
      loop.refusals().info(log, "{} refused: {}", link.remoteAddress(), refusal.get());
      metrics.refused(Refusal.INVALID);
      refuse(Replies.error(refusal.get()));
      return;
    }
    login = name;
    loop.vertx().cancelTimer(loginTimer);
    if (accounts == null) {
      join();
      return;
    }
    state = State.CHECKING;
    updateReading();
    SocketAddress from = link.remoteAddress();
    long asked = System.nanoTime();
    accounts.check(name, password, link.secure(), from == null ? null : from.hostAddress()).onComplete(ar -> {
      if (state != State.CHECKING) {
        return; // closed meanwhile
      }
      String why = ar.failed() ? "the password could not be checked" : ar.result().orElse(null);
      if (why == null) {
        join();
        return;
      }
      loop.refusals().info(log, "{} refused as '{}': {}", link.remoteAddress(), login, why);
      long late = Admission.THROTTLED_REFUSAL_MILLIS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
      if (Accounts.heldBack(why) && late > 0) {
        // Refused before any hash: told no sooner than a while after asking, so that one connection cannot ask faster.
        loginTimer = loop.vertx().setTimer(late, t -> {
          if (state == State.CHECKING) {
            refuse(Replies.error(why));
          }
        });
      } else {
        refuse(Replies.error(why));
      }
    });
  }

  /** Asks the broker for the login. */
  private void join() {
    state = State.JOINING;
    updateReading();
    loop.send(new Event.NewPeer(peer, login));
  }

  /** The broker's answer to the login: empty when accepted, else why not. */
  void joined(String refusal) {
    if (state != State.JOINING) {
      return;
    }
    if (!refusal.isEmpty()) {
      loop.refusals().info(log, "{} refused: {}", link.remoteAddress(), refusal);
      refuse(Replies.error(refusal));
      return;
    }
    loop.comings().info(log, "{} logged in as {}", link.remoteAddress(), login);
    metrics.loginAccepted();
    state = State.CHATTING;
    if (closed && stopped) {
      leave(null);
    } else {
      // Also lets through what a client that hung up already sent, then its end.
      updateReading();
    }
  }

  /** {@code line} as decoded from the first {@code length} of {@code bytes}. */
  private void chat(String line, byte[] bytes, int length) {
    ChatLine parsed = ChatLine.parse(line);
    if (parsed instanceof ChatLine.Message message) {
      Buffer encoded = encode(message.text(), line, bytes, length);
      toBroker(new Event.Message(peer, login, message.recipients(), encoded), encoded.length());
    } else if (parsed instanceof ChatLine.Invalid invalid) {
      reply(Replies.error(invalid.reason()));
    }
  }

  /**
   * {@code from <login>: <text>\n}, built once for all recipients. When the line is ASCII (its
   * strict UTF-8 decoding gave as many chars as it had bytes), the text is copied straight from
   * the bytes read, where the trimmed text sits right after the first ':' and the white space that
   * follows it; otherwise it is encoded.
   */
  private Buffer encode(String text, String line, byte[] bytes, int length) {
    if (from == null) {
      from = ("from " + login + ": ").getBytes(StandardCharsets.UTF_8);
    }
    if (line.length() != length) {
      byte[] encoded = text.getBytes(StandardCharsets.UTF_8);
      return Buffer.buffer(from.length + encoded.length + 1).appendBytes(from).appendBytes(encoded).appendByte(NL);
    }
    int start = line.indexOf(':') + 1;
    while (start < length && Character.isWhitespace(bytes[start])) {
      start++;
    }
    return Buffer.buffer(from.length + text.length() + 1).appendBytes(from)
      .appendBytes(bytes, start, text.length()).appendByte(NL);
  }

  /** An answer for this client alone; it goes through the broker so that it comes in line order. */
  private void reply(byte[] line) {
    toBroker(new Event.Reply(peer, login, Buffer.buffer(line)), line.length);
  }

  private void toBroker(Event event, int bytes) {
    inFlight += bytes;
    hold(bytes);
    loop.send(event);
    if (inFlight > config.maxInFlightBytes() && !waitingForBroker) {
      waitingForBroker = true;
      updateReading();
    }
  }

  /** The broker has routed {@code bytes} of this client's lines. */
  void routed(int bytes) {
    inFlight -= bytes;
    hold(-bytes);
    if (waitingForBroker && inFlight <= config.maxInFlightBytes() / 2) {
      waitingForBroker = false;
      updateReading();
    }
  }

  /**
   * Reads only while the login is settled and the broker keeps up with this client; otherwise
   * the parser holds what it has and stops reading the socket, so TCP slows the client down.
   */
  private void updateReading() {
    boolean read = !stopped && !waitingForBroker && (state == State.LOGIN || state == State.CHATTING);
    if (read && paused) {
      paused = false;
      link.resume();
    } else if (!read && !paused) {
      paused = true;
      link.pause();
    }
  }

  /** Lines the broker routed to this client. */
  void write(Buffer bytes) {
    if (closed || state == State.GONE) {
      return;
    }
    int n = bytes.length();
    queued += n;
    hold(n);
    metrics.queued(n);
    link.write(bytes).onComplete(ar -> {
      if (ar.failed() && stuck == 0 && timedOut(ar.cause())) {
        stuck = queued; // the kernel let it go (Stalls.KERNEL); what is queued behind fails too
      }
      queued -= n;
      hold(-n);
      wrote = true;
      metrics.queued(-n);
    });
    if (queued > config.maxQueuedBytes()) {
      loop.cutOffs().warn(log, "{} ({}) is not reading: {} bytes queued for it, more than maxQueuedBytes;"
        + " disconnecting", link.remoteAddress(), login, queued);
      metrics.slowConsumer();
      metrics.evicted(Eviction.QUEUE);
      cutOff();
    }
  }

  /** The node holds more than maxClientMemory for its clients, and this one holds among the most. */
  void evictForMemory(long budget) {
    loop.cutOffs().warn(log, "{} ({}) holds {} bytes, among the most while the server holds more than"
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
    cut = true;
    uncount();
    if (state == State.CHATTING) {
      loop.send(new Event.Disconnect(peer, login));
    }
    gone();
    updateReading();
    link.close();
  }

  /** The server is full and a newer connection takes this one's place: it has not logged in. */
  void evict() {
    if (state == State.LOGIN) {
      loop.refusals().info(log, "{} refused: server full, and it had not logged in", link.remoteAddress());
      metrics.refused(Refusal.EVICTED);
      refuse(Replies.error("server full"));
    }
  }

  private void loginTimedOut() {
    if (state == State.LOGIN) {
      long millis = config.loginTimeoutMillis();
      String limit = millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
      loop.refusals().info(log, "{} refused: no login within {}", link.remoteAddress(), limit);
      metrics.refused(Refusal.TIMEOUT);
      refuse(Replies.error("no login within " + limit));
    }
  }

  private void invalidUtf8() {
    if (state == State.LOGIN) {
      loop.refusals().info(log, "{} refused: login is not valid UTF-8", link.remoteAddress());
      metrics.refused(Refusal.NOT_UTF8);
      refuse(Replies.error("login is not valid UTF-8"));
    } else {
      reply(Replies.error("line is not valid UTF-8; it was dropped"));
    }
  }

  /** From the link: what the client sent is not a line ({@code what} says why); dropped. */
  void unreadable(String what) {
    if (state == State.LOGIN) {
      loop.refusals().info(log, "{} refused: login is {}", link.remoteAddress(), what);
      metrics.refused(Refusal.INVALID);
      refuse(Replies.error("login is " + what));
    } else if (state == State.CHATTING) {
      reply(Replies.error("line is " + what + "; it was dropped"));
    }
  }

  /**
   * From the TCP link's parser: the socket failed, or the unfinished line passed
   * {@code maxRecordSize}. The parser also says so while it is paused holding the rest of a read;
   * whole lines in it are still to be handled then, and the bound is checked again once reading
   * resumes.
   */
  void failed(Throwable e) {
    if (e instanceof VirtualMachineError fatal) {
      throw fatal; // to the context's exception handler: the server cannot go on
    } else if (!(e instanceof IllegalStateException)) {
      if (queued > 0 && stuck == 0 && timedOut(e)) {
        stuck = queued; // the kernel let it go (Stalls.KERNEL)
      }
      log.debug("{} ({}): {}", link.remoteAddress(), login, e.toString());
    } else if (!paused) {
      tooLong();
    }
  }

  /** Whether the socket failed because the kernel's TCP_USER_TIMEOUT ran out (ETIMEDOUT). */
  private static boolean timedOut(Throwable e) {
    return e != null && String.valueOf(e.getMessage()).contains("timed out");
  }

  void tooLong() {
    if (state != State.LOGIN && state != State.CHATTING) {
      return;
    }
    int max = config.maxLineLength();
    loop.cutOffs().info(log, "{} ({}) sent a line longer than {} bytes; disconnecting", link.remoteAddress(), login,
      max);
    metrics.lineTooLong();
    if (state == State.LOGIN) {
      metrics.refused(Refusal.TOO_LONG);
      refuse(Replies.lineTooLong(max));
    } else {
      leave(Replies.lineTooLong(max));
    }
  }

  /** Before or at login: tells the client why and closes. */
  private void refuse(byte[] reason) {
    gone();
    loop.vertx().cancelTimer(loginTimer);
    updateReading();
    link.write(Buffer.buffer(reason));
    link.close();
  }

  /**
   * Gives the login back, after a last answer if there is one; the socket closes once the
   * broker has sent this client everything it routed to it before.
   */
  private void leave(byte[] lastAnswer) {
    if (lastAnswer != null) {
      reply(lastAnswer);
    }
    state = State.LEAVING;
    updateReading();
    loop.send(new Event.Disconnect(peer, login));
    if (closed) {
      done();
    }
  }

  /**
   * Another node holds this client's login since the cluster healed; the broker has written why
   * and no longer routes to it. It leaves as if it had ended.
   */
  void displaced() {
    if (state == State.CHATTING) {
      leave(null);
    }
  }

  /** The broker's answer to the disconnect: every line for this client is written or queued. */
  void released() {
    if (state == State.LEAVING) {
      done();
    }
  }

  private void done() {
    gone();
    link.close();
  }

  /** Nothing more to do for this client; once its socket is closed too, its loop forgets it. */
  private void gone() {
    state = State.GONE;
    uncount();
    loop.doorkeeper().settled(slot);
    if (closed) {
      loop.forget(this);
    }
  }

  /** The parser has handed over every line the client sent before its end. */
  void ended() {
    if (state == State.CHATTING) {
      loop.comings().info(log, "{} ({}) left", link.remoteAddress(), login);
      leave(null);
    }
  }

  void closed() {
    if (stuck > 0 && !cut) {
      loop.cutOffs().info(log, "{} ({}) took none of the {} bytes queued for it for {} ms; disconnected",
        link.remoteAddress(), login, stuck, config.stallTimeoutMillis());
    }
    closed = true;
    uncount();
    loop.doorkeeper().release(slot);
    loop.vertx().cancelTimer(loginTimer);
    switch (state) {
      case LOGIN, CHECKING -> {
        loop.comings().info(log, "{} disconnected", link.remoteAddress());
        gone();
      }
      case CHATTING -> {
        // Its end reaches the parser once reading resumes; at shutdown reading does not resume.
        if (stopped) {
          loop.comings().info(log, "{} ({}) closed at shutdown", link.remoteAddress(), login);
          leave(null);
        }
      }
      case GONE -> loop.forget(this);
      default -> {
        // JOINING: joined() goes on once the broker answers. LEAVING: released() does.
      }
    }
  }

  /** Shutdown: read nothing more; what was read is on its way to the broker. */
  void stopReading() {
    stopped = true;
    updateReading();
    if (state == State.LOGIN || state == State.CHECKING) {
      gone();
      link.close();
    }
  }

  /** Shutdown, once the broker has routed everything: close after what is queued has been written. */
  void close() {
    if (state == State.CHATTING) {
      loop.send(new Event.Disconnect(peer, login));
    }
    if (state != State.LEAVING) {
      gone();
    }
    link.close();
  }

  /**
   * Shutdown, at the drain deadline: the accept loop stops waiting for this client, whose socket
   * the idle timer closes once it has taken nothing for the stall timeout.
   */
  void tooLate() {
    loop.cutOffs().info(log, "{} ({}) did not take its last messages in time; no longer waiting for it",
      link.remoteAddress(), login);
  }
}
