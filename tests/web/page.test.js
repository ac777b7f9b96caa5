// page.test.js - drives mailtrust's page in Debian's headless Chromium
// (playwright-core, no browser download) against a running
// "mailtrust serve" and prints TAP.  Run by tests/e2e/web.sh, which
// starts the server and passes:
//   BASE_URL   http://127.0.0.1:PORT
//   EXAMPLE    the IONOS example message (a file path)
//   OUT        where the screenshots go
//   TOKEN      the server's token
//   QUARANTINE "1" when a message was put in quarantine to release
"use strict";

const { chromium } = require("playwright-core");
const path = require("path");
const fs = require("fs");

const env = (k) => {
	if (!process.env[k])
		throw new Error("page.test.js: " + k + " is not set");
	return process.env[k];
};
const BASE = env("BASE_URL");
const OUT = env("OUT");
let n = 0, failed = 0;

function ok(cond, name, detail) {
	n++;
	if (!cond)
		failed++;
	console.log((cond ? "ok " : "not ok ") + n + " - " + name);
	if (!cond && detail !== undefined)
		console.log("#   " + String(detail).replace(/\n/g, "\n#   "));
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, name), fullPage: true });
}

// The server runs with a token (the quarantine needs one), so every
// call of the page carries it: entered once in the administration box.
async function enterToken(page) {
	await page.locator("#admin-box summary").click();
	await page.locator("#token").fill(env("TOKEN"));
	await page.locator("#admin-box summary").click();
}

async function checkIonosGerman(page) {
	await page.goto(BASE + "/");
	await enterToken(page);
	await page.getByLabel("English").check();
	await page.getByLabel("Deutsch").check();
	ok(await page.getAttribute("html", "lang") === "de",
	    "choosing Deutsch sets the page's lang to de");
	await page.setInputFiles("#file", env("EXAMPLE"));
	const badge = page.locator("#badge");
	await badge.waitFor({ state: "visible", timeout: 20000 });
	// Locator waits, not waitForFunction: the page's CSP forbids eval.
	await page.locator("#badge[data-verdict]").waitFor({ timeout: 20000 });
	ok(await badge.getAttribute("data-verdict") === "phishing",
	    "the IONOS example is judged phishing");
	const label = await badge.textContent();
	ok(/Phishing/.test(label) && /Betrug/.test(label),
	    "the badge reads the German label", label);
	const colour = await badge.evaluate((e) =>
	    getComputedStyle(e).backgroundColor);
	ok(colour === "rgb(176, 0, 32)", "the phishing badge is red", colour);
	const summary = await page.locator("#summary").textContent();
	ok(/Betrugsversuch/.test(summary) && /IONOS/.test(summary),
	    "the summary explains in German, naming IONOS", summary);
	const reasons = await page.locator("#reasons li").allTextContents();
	ok(reasons.some((r) => /eigenen Adresse/.test(r)),
	    "a reason says the sender used your own address",
	    reasons.join("\n"));
	ok(reasons.some((r) => /Schaltfläche/.test(r) &&
	    /193\.3\.19\.42/.test(r) && /\(RU\)/.test(r)),
	    "a reason says where the button leads and its country",
	    reasons.join("\n"));
	ok(await page.locator("#tech").evaluate((d) => !d.open),
	    "the technical details start folded");
	await shot(page, "ionos-de.png");
	await page.locator("#tech summary").click();
	const auth = await page.locator("#auth-rows").textContent();
	ok(/SPF/.test(auth) && /nicht bestanden/.test(auth),
	    "the details show SPF failed, in German", auth);
	await shot(page, "ionos-de-details.png");
	await page.getByLabel("English").check();
	await page.locator("#badge", { hasText: /^Phishing$/ })
	    .waitFor({ timeout: 20000 });
	const sumEn = await page.locator("#summary").textContent();
	ok(!/Betrugsversuch/.test(sumEn) && /phishing/i.test(sumEn),
	    "switching to English explains again in English", sumEn);
	await shot(page, "ionos-en.png");
}

async function checkPhone(browser) {
	const ctx = await browser.newContext({
		viewport: { width: 390, height: 844 }, deviceScaleFactor: 1,
		locale: "de-DE",
	});
	const page = await ctx.newPage();
	await page.goto(BASE + "/");
	ok(await page.getAttribute("html", "lang") === "de",
	    "a German browser gets the German page");
	await enterToken(page);
	await page.setInputFiles("#file", env("EXAMPLE"));
	await page.locator("#badge[data-verdict=phishing]")
	    .waitFor({ timeout: 20000 });
	const wide = await page.evaluate(() =>
	    document.documentElement.scrollWidth);
	ok(wide <= 390, "nothing sticks out sideways on a phone", wide);
	await shot(page, "ionos-phone.png");
	// What a phone shows of the answer, at its real size: the page has
	// moved to it by itself.
	ok(await page.evaluate(() => document.activeElement.id) ===
	    "verdict-h", "the answer gets the focus (and the screen)");
	await page.screenshot({ path: path.join(OUT, "ionos-phone-result.png") });
	await ctx.close();
}

async function checkAccessible(page) {
	await page.goto(BASE + "/");
	await enterToken(page);
	const unnamed = await page.evaluate(() => {
		const bad = [];
		for (const e of document.querySelectorAll(
		    "input, textarea, button, select")) {
			const named = (e.labels && e.labels.length > 0) ||
			    e.getAttribute("aria-label") ||
			    (e.tagName === "BUTTON" && e.textContent.trim());
			if (!named)
				bad.push(e.outerHTML);
		}
		return bad;
	});
	ok(unnamed.length === 0, "every control has a label",
	    unnamed.join("\n"));
	// Keyboard only: reach the paste box, type, submit with Enter.
	let reached = false;
	for (let i = 0; i < 10 && !reached; i++) {
		await page.keyboard.press("Tab");
		reached = await page.evaluate(() =>
		    document.activeElement.id === "paste");
	}
	ok(reached, "the paste box is reachable with the Tab key");
	const text = fs.readFileSync(env("EXAMPLE"), "utf8");
	await page.locator("#paste").fill(text);
	await page.keyboard.press("Tab");
	await page.keyboard.press("Enter");
	await page.locator("#badge[data-verdict]").waitFor({ timeout: 20000 });
	ok(await page.locator("#badge").getAttribute("data-verdict") ===
	    "phishing", "pasted text is judged the same as the file");
}

async function checkQuarantine(page) {
	await page.goto(BASE + "/");
	await page.getByLabel("Deutsch").check();
	await page.locator("#admin-box summary").click();
	await page.getByLabel("Zugangsschlüssel (Token)").fill(env("TOKEN"));
	await page.getByRole("button", { name: "Quarantäne anzeigen" }).click();
	const row = page.locator("#q-rows tr");
	await row.first().waitFor({ timeout: 10000 });
	ok(await row.count() === 1, "the quarantine lists the held message");
	await shot(page, "quarantine-de.png");
	page.once("dialog", (d) => d.accept());
	await row.first().getByRole("button", { name: /Freigeben/ }).click();
	await page.locator("#q-status", { hasText: "Freigegeben" })
	    .waitFor({ timeout: 10000 });
	ok(await row.count() === 0, "after release the list is empty");
	await shot(page, "quarantine-released-de.png");
}

async function main() {
	fs.mkdirSync(OUT, { recursive: true });
	const browser = await chromium.launch({
		executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
		headless: true,
		args: ["--no-sandbox"],
	});
	try {
		const ctx = await browser.newContext({
			viewport: { width: 1100, height: 900 },
			locale: "en-GB",
		});
		const page = await ctx.newPage();
		await checkIonosGerman(page);
		await checkAccessible(page);
		if (process.env.QUARANTINE === "1")
			await checkQuarantine(page);
		else
			console.log("# quarantine view not tested: " +
			    (process.env.QUARANTINE_WHY || "no quarantine"));
		await checkPhone(browser);
	} catch (e) {
		ok(false, "the page test ran to the end", e.stack);
	} finally {
		await browser.close();
	}
	console.log("1.." + n);
	process.exit(failed ? 1 : 0);
}

main();
