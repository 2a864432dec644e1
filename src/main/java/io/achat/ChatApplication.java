package io.achat;

import io.vertx.core.Deployable;
import io.vertx.core.Vertx;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Runs the server through the Vert.x launcher ({@code -conf}, {@code -instances},
 * {@code -options}, {@code -cluster} ...) and turns SIGTERM and SIGINT into the clean shutdown,
 * exiting 0 once it is done.
 */
final class ChatApplication extends VertxApplication implements VertxApplicationHooks {

  private static final Logger log = LoggerFactory.getLogger(ChatApplication.class);

  private final boolean instancesGiven;
  private final AtomicBoolean stopping = new AtomicBoolean();

  ChatApplication(String[] args) {
    super(args);
    instancesGiven = instancesGiven(args);
  }

  @Override
  public Supplier<? extends Deployable> verticleSupplier() {
    return ChatVerticle::new;
  }

  /**
   * {@code -instances N} means N accept loops sharing one broker, not N whole servers: it becomes
   * the {@code instances} key (as a system property, so it wins over the other layers).
   */
  @Override
  public void beforeDeployingVerticle(HookContext context) {
    if (instancesGiven) {
      System.setProperty("achat.instances", Integer.toString(context.deploymentOptions().getInstances()));
    }
    context.deploymentOptions().setInstances(1);
  }

  @Override
  public void afterVertxStarted(HookContext context) {
    Vertx vertx = context.vertx();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> shutdown(vertx, signal.getName()));
    }
  }

  private void shutdown(Vertx vertx, String signal) {
    if (!stopping.compareAndSet(false, true)) {
      log.info("SIG{} ignored: already shutting down", signal);
      return;
    }
    log.info("SIG{} received: shutting down", signal);
    int status = 0;
    try {
      vertx.close().await();
    } catch (Throwable e) {
      log.error("shutdown failed: {}", e.toString());
      status = 1;
    }
    System.exit(status);
  }

  private static boolean instancesGiven(String[] args) {
    for (String arg : args) {
      String a = arg.toLowerCase(Locale.ROOT);
      if (a.equals("-instances") || a.equals("--instances")
        || a.startsWith("-instances=") || a.startsWith("--instances=")) {
        return true;
      }
    }
    return false;
  }
}
