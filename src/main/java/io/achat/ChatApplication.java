package io.achat;

import io.vertx.core.Deployable;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs the server through the Vert.x launcher ({@code -conf}, {@code -instances},
 * {@code -options} ...). SIGTERM and SIGINT run the launcher's shutdown hook, which closes
 * Vert.x: the clean shutdown. Once it has completed the process exits with status 0 rather than
 * the JVM's 143 or 130, so that service managers see a clean stop.
 */
final class ChatApplication extends VertxApplication implements VertxApplicationHooks {

  private static final Logger log = LoggerFactory.getLogger(ChatApplication.class);

  private final boolean instancesGiven;
  private volatile boolean serving;

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
  public void afterVerticleDeployed(HookContext context) {
    serving = true;
  }

  @Override
  public void beforeStoppingVertx(HookContext context) {
    log.info("shutting down");
  }

  @Override
  public void afterVertxStopped(HookContext context) {
    if (serving) {
      // Called by the launcher's shutdown hook once Vert.x closed cleanly.
      Runtime.getRuntime().halt(0);
    }
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
