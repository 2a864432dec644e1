package io.achat.server;

import io.achat.broker.Backlog;
import io.achat.broker.BrokerVerticle;
import io.achat.broker.Event;
import io.achat.broker.LocalCodec;
import io.achat.protocol.ChatLine;
import io.achat.protocol.Logins;
import io.achat.protocol.Replies;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.CharacterCodingException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The book's {@code connection_loop} for one socket: the first line is the login, every later
 * line a message, turned into events for the broker. The last handler of the socket's pipeline;
 * runs on its accept loop's event loop.
 */
final class Connection extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(Connection.class);

  private enum State {
    /** Waiting for the login line. */
    LOGIN,
    /** The broker is deciding on the login; reading is paused and later lines are held. */
    JOINING,
    CHATTING,
    /** Refused, disconnected or leaving: nothing more is read or sent to the broker. */
    CLOSING
  }

  private final ServerVerticle server;
  private final Channel channel;
  private final Backlog backlog;
  /** {@link #chunk}, made once: handed to the context on every read. */
  private final Handler<ByteBuf> reader = this::chunk;
  private State state = State.LOGIN;
  private String login;
  /** The start of a line whose end has not arrived yet; {@code null} between lines. */
  private ByteBuf partial;
  private ArrayDeque<String> held;
  /** Messages read but not yet handed to the broker: those of one read travel together. */
  private List<Event.Message> unsent;
  private ScheduledFuture<?> loginTimer;
  private boolean stopped;
  private boolean paused;
  private boolean inputEnded;

  Connection(ServerVerticle server, Channel channel) {
    this.server = server;
    this.channel = channel;
    this.backlog = new Backlog(server.chatConfig().maxInFlightBytes(), channel.eventLoop(), this::updateReading);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (server.stopping()) {
      state = State.CLOSING;
      channel.close();
      return;
    }
    if (!server.admit(this)) {
      state = State.CLOSING;
      log.info("{} refused: server full ({} connections)", address(), server.chatConfig().maxConnections());
      writeAndClose(Replies.error("server full"));
      return;
    }
    log.debug("{} connected", address());
    loginTimer = channel.eventLoop().schedule(this::loginTimedOut,
      server.chatConfig().loginTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf chunk = (ByteBuf) msg;
    try {
      if (state != State.CLOSING) {
        // Within the accept loop's Vert.x context, so event-bus replies come back to it.
        server.context().dispatch(chunk, reader);
      }
    } finally {
      chunk.release();
    }
  }

  /** Splits {@code chunk} into lines; a line may not pass {@code maxLineLength} (plus the '\r' of CRLF). */
  private void chunk(ByteBuf chunk) {
    int max = server.chatConfig().maxLineLength() + 1;
    while (chunk.isReadable() && state != State.CLOSING) {
      int start = chunk.readerIndex();
      int newline = chunk.indexOf(start, chunk.writerIndex(), (byte) '\n');
      int length = (newline < 0 ? chunk.writerIndex() : newline) - start;
      int lineSoFar = (partial == null ? 0 : partial.readableBytes()) + length;
      if (lineSoFar > max) {
        tooLong();
        return;
      }
      if (newline < 0) {
        if (partial == null) {
          partial = channel.alloc().heapBuffer(Math.max(64, length), max);
        }
        partial.writeBytes(chunk);
        break;
      }
      if (partial == null) {
        line(chunk, start, length);
      } else {
        partial.writeBytes(chunk, start, length);
        ByteBuf whole = partial;
        partial = null;
        try {
          line(whole, whole.readerIndex(), whole.readableBytes());
        } finally {
          whole.release();
        }
      }
      chunk.readerIndex(newline + 1);
    }
    sendMessages();
    updateReading();
  }

  private void line(ByteBuf bytes, int start, int length) {
    if (length > 0 && bytes.getByte(start + length - 1) == '\r') {
      length--;
    }
    if (length > server.chatConfig().maxLineLength()) {
      tooLong();
      return;
    }
    byte[] array;
    int offset;
    if (bytes.hasArray()) {
      array = bytes.array();
      offset = bytes.arrayOffset() + start;
    } else {
      array = server.scratch(length);
      bytes.getBytes(start, array, 0, length);
      offset = 0;
    }
    String text;
    try {
      text = server.utf8().decode(array, offset, length);
    } catch (CharacterCodingException e) {
      invalidUtf8();
      return;
    }
    switch (state) {
      case LOGIN -> login(text);
      case JOINING -> held().add(text);
      case CHATTING -> chat(text);
      default -> { }
    }
  }

  private void login(String line) {
    String name = line.strip();
    Optional<String> refusal = Logins.check(name, server.chatConfig().maxLoginLength());
    if (refusal.isPresent()) {
      log.info("{} refused: {}", address(), refusal.get());
      fail(Replies.error(refusal.get()));
      return;
    }
    login = name;
    state = State.JOINING;
    loginTimer.cancel(false);
    loginTimer = null;
    server.eventBus()
      .<Boolean>request(BrokerVerticle.ADDRESS, new Event.NewPeer(name, channel), LocalCodec.LOCAL)
      .onComplete(this::joined);
  }

  private void joined(AsyncResult<Message<Boolean>> answer) {
    if (state != State.JOINING) {
      return;
    }
    if (answer.failed()) {
      log.warn("{} could not log in as {}: {}", address(), login, answer.cause().getMessage());
      fail(Replies.error("login failed, try again"));
    } else if (!answer.result().body()) {
      log.info("{} refused: login '{}' is taken", address(), login);
      state = State.CLOSING;
      writeAndClose(Replies.loginTaken(login));
    } else {
      log.info("{} logged in as {}", address(), login);
      state = State.CHATTING;
      if (held != null) {
        held.forEach(this::chat);
        held = null;
        sendMessages();
      }
      if (!channel.isActive()) {
        gone();
      } else if (inputEnded) {
        leave();
      } else {
        // Also lets through what a client that already shut down its side sent last.
        updateReading();
      }
    }
  }

  private void chat(String line) {
    ChatLine parsed = ChatLine.parse(line);
    if (parsed instanceof ChatLine.Message message) {
      byte[] encoded = Replies.from(login, message.text());
      backlog.add(encoded.length);
      if (unsent == null) {
        unsent = new ArrayList<>(4);
      }
      unsent.add(new Event.Message(login, message.recipients(), encoded, backlog));
    } else if (parsed instanceof ChatLine.Invalid invalid) {
      reply(Replies.error(invalid.reason()));
    }
  }

  /** Hands the messages read so far to the broker: one event for all, in the order they were read. */
  private void sendMessages() {
    if (unsent == null) {
      return;
    }
    Event event = unsent.size() == 1 ? unsent.get(0) : new Event.Messages(unsent);
    unsent = null;
    server.eventBus().send(BrokerVerticle.ADDRESS, event, LocalCodec.LOCAL);
  }

  private void loginTimedOut() {
    if (state == State.LOGIN) {
      long millis = server.chatConfig().loginTimeoutMillis();
      String limit = millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
      log.info("{} refused: no login within {}", address(), limit);
      fail(Replies.error("no login within " + limit));
    }
  }

  private void invalidUtf8() {
    if (state == State.LOGIN) {
      log.info("{} refused: login is not valid UTF-8", address());
      fail(Replies.error("login is not valid UTF-8"));
    } else {
      reply(Replies.error("line is not valid UTF-8; it was dropped"));
    }
  }

  private void tooLong() {
    if (state == State.CLOSING) {
      return;
    }
    int max = server.chatConfig().maxLineLength();
    log.info("{} ({}) sent a line longer than {} bytes; disconnecting", address(), login, max);
    fail(Replies.lineTooLong(max));
  }

  /** Tells the client why and closes; a login it held is given back to the broker. */
  private void fail(byte[] reason) {
    if (state == State.JOINING || state == State.CHATTING) {
      release();
    }
    state = State.CLOSING;
    writeAndClose(reason);
  }

  /** An answer to this client alone, the connection stays. */
  private void reply(byte[] line) {
    channel.writeAndFlush(Unpooled.wrappedBuffer(line));
  }

  private void writeAndClose(byte[] reason) {
    channel.writeAndFlush(Unpooled.wrappedBuffer(reason)).addListener(ChannelFutureListener.CLOSE);
  }

  private void release() {
    sendMessages();
    server.eventBus().send(BrokerVerticle.ADDRESS, new Event.Disconnect(login, channel), LocalCodec.LOCAL);
  }

  private ArrayDeque<String> held() {
    if (held == null) {
      held = new ArrayDeque<>();
    }
    return held;
  }

  /**
   * Reads only while the login is settled and the broker keeps up with this sender; otherwise
   * the socket is not read and TCP slows the client down.
   */
  private void updateReading() {
    boolean read = !stopped && state != State.JOINING && !backlog.full();
    if (read == paused) {
      paused = !read;
      channel.config().setAutoRead(read);
    }
  }

  /** Shutdown: read nothing more; what was read is already on its way to the broker. */
  void stopReading() {
    stopped = true;
    updateReading();
  }

  /** Shutdown: closes once everything queued for this socket has been written. */
  ChannelFuture close() {
    channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    return channel.closeFuture();
  }

  /** Shutdown, after the drain timeout: close now, dropping what the client did not take. */
  void abort() {
    log.info("{} ({}) did not take its last messages in time; closing", address(), login);
    Sockets.abort(channel);
  }

  /**
   * The client shut down its sending side (as {@code nc} does at the end of its input): every
   * line before has been handled. It still gets what is routed to it until the broker has let
   * go of its login.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!(event instanceof ChannelInputShutdownEvent)) {
      ctx.fireUserEventTriggered(event);
      return;
    }
    inputEnded = true;
    if (state == State.LOGIN) {
      state = State.CLOSING;
      channel.close();
    } else if (state == State.CHATTING) {
      server.context().dispatch(v -> leave());
    }
  }

  /** Gives the login back, then closes once the broker's last lines for it are written. */
  private void leave() {
    log.info("{} ({}) left", address(), login);
    state = State.CLOSING;
    sendMessages();
    DeliveryOptions options = new DeliveryOptions(LocalCodec.LOCAL)
      .setSendTimeout(Math.max(1, server.chatConfig().drainTimeoutMillis()));
    server.eventBus().request(BrokerVerticle.ADDRESS, new Event.Disconnect(login, channel), options)
      .onComplete(ar -> close());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    server.closed(this);
    if (loginTimer != null) {
      loginTimer.cancel(false);
    }
    if (partial != null) {
      partial.release();
      partial = null;
    }
    if (state == State.LOGIN) {
      log.info("{} disconnected", address());
      state = State.CLOSING;
    } else if (state == State.CHATTING) {
      server.context().dispatch(v -> gone());
    }
    // JOINING: joined() finishes once the broker answers.
  }

  /** The socket closed under a logged-in user (reset, keep-alive, shutdown). */
  private void gone() {
    if (stopped) {
      // Shutting down: the broker is drained and stops right after the accept loops.
      log.info("{} ({}) closed at shutdown", address(), login);
    } else {
      log.info("{} ({}) left", address(), login);
      release();
    }
    state = State.CLOSING;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{} ({}): {}", address(), login, cause.toString());
    channel.close();
  }

  private String address() {
    InetSocketAddress remote = (InetSocketAddress) channel.remoteAddress();
    return remote == null ? "?" : remote.getAddress().getHostAddress() + ":" + remote.getPort();
  }
}
