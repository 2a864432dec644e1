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
import org.openqa.selenium.Rectangle;
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
 * deployed server, with an nc-style TCP client on the other side. Saves screenshots of the page
 * at phone size: the join form to {@code target/web-join.png}, a chat with its watch list to
 * {@code target/web-client.png}.
 */
@ExtendWith(VertxExtension.class)
class BrowserTest {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final Path SCREENSHOT = Path.of("target", "web-client.png");
  private static final Path JOIN_SCREENSHOT = Path.of("target", "web-join.png");
  private static final Dimension PHONE = new Dimension(390, 844);

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
    browser.manage().window().setSize(PHONE);
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
    }
  }

  @Test
  void theJoinFormSetsEachFieldBesideItsOwnLabelOnAPhoneAndADesktop(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    for (Dimension size : List.of(new Dimension(1280, 800), new Dimension(900, 700), PHONE)) {
      browser.manage().window().setSize(size);
      browser.get(server.webUrl());
      wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
      besideItsLabel("login", size);
      besideItsLabel("password", size);
    }
    screenshot(JOIN_SCREENSHOT);
  }

  @Test
  void aWatchedNameLightsUpWhileOnlineAndAClickOnItStartsAMessage(Vertx vertx) throws Exception {
    ChatServerFixture server = ChatServerFixture.deploy(vertx, new JsonObject().put("webPort", -1));
    browser.get(server.webUrl());
    focused().sendKeys("alice", Keys.ENTER);
    wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("people")));
    browser.findElement(By.id("watch")).sendKeys("bob, carol, bob", Keys.ENTER);
    awaitPeople("bob:offline", "carol:offline");
    try (LineClient bob = server.login("bob")) {
      awaitPeople("bob:online", "carol:offline");
      person("bob").click();
      assertThat(browser.findElement(By.id("to")).getDomProperty("value")).isEqualTo("bob");
      assertThat(focused().getAttribute("id")).isEqualTo("text");
      focused().sendKeys("I saw you come in", Keys.ENTER);
      assertThat(bob.readLine()).isEqualTo("from alice: I saw you come in");
      bob.send("alice: hello");
      awaitLine("from", "from bob: hello");
      screenshot(SCREENSHOT);
      try (LineClient carol = server.login("carol")) {
        awaitPeople("bob:online", "carol:online");
      }
      awaitPeople("bob:online", "carol:offline");
    }
    awaitPeople("bob:offline", "carol:offline");
    browser.findElement(By.cssSelector("button[aria-label='Stop watching carol']")).click();
    awaitPeople("bob:offline");
    try (LineClient carol = server.login("carol")) {
      // The server was told: carol's coming is no longer sent (the page would ignore it anyway).
      assertThat(carol.sync()).isEmpty();
      awaitPeople("bob:offline");
    }
    assertThat(lines()).as("presence lines light names up; they are not log lines")
      .noneMatch(line -> line.contains("online:") || line.contains("offline:"));
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

  /** The field {@code id} sits right of its label, on the label's row, at {@code size}. */
  private void besideItsLabel(String id, Dimension size) {
    Rectangle label = browser.findElement(By.cssSelector("label[for='" + id + "']")).getRect();
    Rectangle field = browser.findElement(By.id(id)).getRect();
    int labelMiddle = label.getY() + label.getHeight() / 2;
    assertThat(labelMiddle).as("the middle of %s's label, %s wide, within its field's row (y %d, height %d)", id,
        size.getWidth(), field.getY(), field.getHeight())
      .isBetween(field.getY(), field.getY() + field.getHeight());
    assertThat(label.getX() + label.getWidth()).as("%s's label ends left of its field, %s wide", id, size.getWidth())
      .isLessThanOrEqualTo(field.getX());
  }

  private WebElement person(String name) {
    return browser.findElement(By.xpath("//ul[@id='watched']//button[@class='person' or contains(@class,'person ')]"
      + "[text()='" + name + "']"));
  }

  /** Waits until the watch list shows exactly {@code expected}, each {@code name:online} or {@code name:offline}, in order. */
  private void awaitPeople(String... expected) {
    List<String> want = List.of(expected);
    wait.withMessage(() -> "the watch list is not " + want + " but " + people()).until(d -> people().equals(want));
  }

  @SuppressWarnings("unchecked")
  private List<String> people() {
    return (List<String>) ((JavascriptExecutor) browser).executeScript(
      "return Array.from(document.querySelectorAll('#watched .person'))"
        + ".map(b => b.textContent + ':' + (b.classList.contains('online') ? 'online' : 'offline'));");
  }

  private void screenshot(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.write(file, ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
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
