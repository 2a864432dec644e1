package io.achat;

import io.achat.support.ChatServerFixture;
import io.achat.support.LineClient;
import io.achat.support.Presence;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The web page in a real browser: Debian's chromium driven by its chromium-driver, against a
 * deployed server, with an nc-style TCP client on the other side. Saves a screenshot of the page
 * at phone size to {@code target/web-client.png}.
 */
@ExtendWith(VertxExtension.class)
class BrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOT = Path.of("target", "web-client.png");

  private WebDriver browser;
  private WebDriverWait wait;
  private Path profile;

  @BeforeEach
  void startBrowser() throws IOException {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    // CI installs the browser (.ci/run); elsewhere the test needs it installed to run.
    if (System.getenv("CI") == null) {
      Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)");
    }
    assertThat(installed).as("chromium and chromium-driver are installed").isTrue();
    profile = Files.createTempDirectory("a-chat-browser");
    ChromeOptions options = new ChromeOptions()
      .setBinary(CHROMIUM.toFile())
      .addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder()
      .usingDriverExecutable(CHROMEDRIVER.toFile())
      .usingAnyFreePort()
      .build();
    browser = new ChromeDriver(service, options);
    // Phone-sized: the page must work there.
    browser.manage().window().setSize(new Dimension(390, 844));
    wait = new WebDriverWait(browser, Duration.ofSeconds(20));
  }

  @AfterEach
  void stopBrowser() throws IOException {
    if (browser != null) {
      browser.quit();
    }
    if (profile != null) {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void aBrowserUserAndAnNcUserChatWithTheKeyboardAloneAndNothingIsRenderedAsHtml(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    browser.get(server.webUrl());
    assertThat(browser.getTitle()).isEqualTo("a-chat");

    // Keyboard alone: the name field has the focus; Enter joins.
    assertThat(focused().getAttribute("id")).isEqualTo("login");
    focused().sendKeys("alice", Keys.ENTER);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("chat-form")));
    try (LineClient bob = server.login("bob"); LineClient carol = server.login("carol")) {
      bob.sync();
      carol.sync();
      assertThat(focused().getAttribute("id")).isEqualTo("to");
      focused().sendKeys("bob", Keys.TAB);
      assertThat(focused().getAttribute("id")).isEqualTo("text");
      focused().sendKeys("hello from the browser", Keys.ENTER);
      assertThat(bob.readLine()).isEqualTo("from alice: hello from the browser");

      bob.send("alice: hello from nc");
      awaitLine("from", "from bob: hello from nc");

      // Several recipients; the recipient field keeps its value, the text field is emptied.
      WebElement to = browser.findElement(By.id("to"));
      to.clear();
      to.sendKeys("bob, carol");
      browser.findElement(By.id("text")).sendKeys("to you both", Keys.ENTER);
      assertThat(bob.readLine()).isEqualTo("from alice: to you both");
      assertThat(carol.readLine()).isEqualTo("from alice: to you both");
      assertThat(browser.findElement(By.id("to")).getDomProperty("value")).isEqualTo("bob, carol");
      assertThat(browser.findElement(By.id("text")).getDomProperty("value")).isEmpty();

      // An unknown recipient's error shows as an error line.
      to.clear();
      to.sendKeys("nobody");
      browser.findElement(By.id("text")).sendKeys("are you there?", Keys.ENTER);
      awaitLine("error", "error: not connected: nobody");

      // HTML in a message is shown as text: no element is made of it and no script runs.
      String injection = "<img src=x onerror=alert(1)>";
      bob.send("alice: " + injection);
      carol.send("alice: <b>bold?</b> <script>document.title='owned'</script>");
      awaitLine("from", "from bob: " + injection);
      awaitLine("from", "from carol: <b>bold?</b> <script>document.title='owned'</script>");
      assertThat(browser.findElements(By.cssSelector("#log img, #log b, #log script"))).isEmpty();
      assertThat(browser.getTitle()).isEqualTo("a-chat");
      assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);

      Files.createDirectories(SCREENSHOT.getParent());
      Files.write(SCREENSHOT, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }
  }

  @Test
  void thePageLogsInAgainAfterTheServerRestarts(Vertx vertx) throws Exception {
    ChatServerFixture first = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    int webPort = URI.create(first.webUrl()).getPort();
    browser.get(first.webUrl());
    focused().sendKeys("alice", Keys.ENTER);
    try (LineClient bob = first.login("bob")) {
      Presence.awaitSeen(bob, "alice");
    }
    vertx.undeploy(first.deploymentId()).await(30, TimeUnit.SECONDS);

    ChatServerFixture second = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", webPort));
    try (LineClient bob = second.login("bob")) {
      Presence.awaitSeen(bob, "alice");
      bob.send("alice: welcome back");
      awaitLine("from", "from bob: welcome back");
      WebElement text = browser.findElement(By.id("text"));
      browser.findElement(By.id("to")).clear();
      browser.findElement(By.id("to")).sendKeys("bob");
      text.sendKeys("glad to be back", Keys.ENTER);
      assertThat(Presence.next(bob)).isEqualTo("from alice: glad to be back");
    }
  }

  @Test
  void aRefusedLoginIsShownAndTheLoginFormComesBack(Vertx vertx) {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    try (LineClient alice = server.login("alice")) {
      alice.sync();
      browser.get(server.webUrl());
      focused().sendKeys("alice", Keys.ENTER);
      awaitLine("error", "error: login 'alice' is taken");
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
      assertThat(focused().getAttribute("id")).isEqualTo("login");
    }
  }

  private WebElement focused() {
    return browser.switchTo().activeElement();
  }

  /** Waits until the log shows {@code text} as a line of class {@code kind}. */
  private void awaitLine(String kind, String text) {
    wait.withMessage(() -> "no '" + kind + "' line '" + text + "' in " + lines()).until(d -> lines().contains(kind + "|" + text));
  }

  @SuppressWarnings("unchecked")
  private List<String> lines() {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
      "return Array.from(document.querySelectorAll('#log li')).map(li => li.className + '|' + li.textContent);");
  }
}
