/*
 * app.js - the page's behaviour: send a message to POST /v1/check and
 * show the answer; list, release and delete quarantined mail through
 * /v1/quarantine.  Everything the server says is put in the page as text
 * (textContent), never as HTML: a message's subject is attacker's text.
 * The page's own words are below in German and English; the verdict,
 * summary and reasons come from the server in the chosen language.
 */
"use strict";

const WORDS = {
	de: {
		skip: "Zum Inhalt springen",
		title: "Kann ich dieser E-Mail trauen?",
		language: "Sprache",
		ask: "E-Mail prüfen",
		howto: "Speichern Sie die verdächtige E-Mail als Datei (.eml) " +
		    "und ziehen Sie sie hierher – oder kopieren Sie den Text " +
		    "aus „Original anzeigen“ in das Feld darunter.",
		file: "E-Mail-Datei wählen (.eml)",
		drop: "… oder die Datei hier ablegen.",
		paste: "Oder den Originaltext der E-Mail einfügen:",
		check: "Prüfen",
		result: "Ergebnis",
		from: "Absender laut E-Mail",
		real: "Tatsächlich eingeliefert von",
		subject: "Betreff",
		reasons: "Warum?",
		noreasons: "Es gibt keine Auffälligkeiten.",
		tech: "Technische Details (für die Administration)",
		authcap: "Echtheitsprüfung",
		envelope: "Umschlag (SMTP)",
		symbols: "Alle Merkmale",
		sym: "Merkmal",
		points: "Punkte",
		evidence: "Belege",
		admin: "Quarantäne (Administration)",
		adminhow: "Zurückgehaltene E-Mails ansehen, freigeben oder " +
		    "löschen. Dafür ist der Zugangsschlüssel (Token) des " +
		    "Servers nötig.",
		token: "Zugangsschlüssel (Token)",
		qload: "Quarantäne anzeigen",
		qcap: "Zurückgehaltene E-Mails",
		qwhen: "Wann",
		qverdict: "Urteil",
		qaction: "Aktion",
		release: "Freigeben",
		del: "Löschen",
		qempty: "Die Quarantäne ist leer.",
		qcount: "Zurückgehaltene E-Mails:",
		verdicts: {
			authenticated: "echt", unverified: "nicht bestätigt",
			spam: "Werbung (Spam)", suspicious: "verdächtig",
			phishing: "Betrugsversuch", malware: "Schadsoftware",
		},
		confirmRelease: "Diese E-Mail wirklich zustellen? Sie wurde " +
		    "zurückgehalten, weil sie gefährlich sein kann.",
		confirmDelete: "Diese E-Mail endgültig löschen?",
		released: "Freigegeben und zugestellt:",
		deleted: "Gelöscht:",
		privacy: "Zum Prüfen wird die E-Mail an diesen " +
		    "mailtrust-Server geschickt.",
		nothing: "Bitte zuerst eine Datei wählen oder Text einfügen.",
		checking: "Wird geprüft …",
		done: "Fertig. Das Ergebnis steht unten.",
		failed: "Die Prüfung ist fehlgeschlagen:",
		unauth: "Der Server verlangt einen Zugangsschlüssel " +
		    "(siehe „Quarantäne“ unten).",
		filechosen: "Gewählte Datei:",
		nofile: "Keine Datei gewählt",
		server: "Server",
		callsitself: ", nennt sich „%s“",
		envip: "Server (IP-Adresse)",
		envhelo: "Name des Servers (HELO)",
		envfrom: "Absender im Umschlag (MAIL FROM)",
		envrcpt: "Empfänger",
		fromMsg: "aus der E-Mail selbst entnommen",
		unknown: "unbekannt",
		res: {
			pass: "bestanden", fail: "nicht bestanden",
			softfail: "eher nicht bestanden", neutral: "neutral",
			none: "nicht vorhanden",
			temperror: "vorübergehender Fehler",
			permerror: "fehlerhafte Angaben", policy: "Richtlinie",
		},
		meaning: {
			spf: "Darf der einliefernde Server für die Domain senden?",
			dkim: "Ist die E-Mail digital signiert und unverändert?",
			dmarc: "Passt der sichtbare Absender zu den Prüfungen?",
			arc: "Haben Weiterleiter die Prüfung bestätigt?",
		},
	},
	en: {
		skip: "Skip to content",
		title: "Can I trust this email?",
		language: "Language",
		ask: "Check an email",
		howto: "Save the suspicious email as a file (.eml) and drop " +
		    "it here – or copy the text from “Show original” into " +
		    "the box below.",
		file: "Choose the email file (.eml)",
		drop: "… or drop the file here.",
		paste: "Or paste the original text of the email:",
		check: "Check",
		result: "Result",
		from: "Sender shown in the email",
		real: "Actually delivered by",
		subject: "Subject",
		reasons: "Why?",
		noreasons: "Nothing stands out.",
		tech: "Technical details (for the administrator)",
		authcap: "Authentication",
		envelope: "Envelope (SMTP)",
		symbols: "All findings",
		sym: "Finding",
		points: "Points",
		evidence: "Evidence",
		admin: "Quarantine (administrator)",
		adminhow: "See, release or delete held emails. This needs " +
		    "the server's access token.",
		token: "Access token",
		qload: "Show quarantine",
		qcap: "Held emails",
		qwhen: "When",
		qverdict: "Verdict",
		qaction: "Action",
		release: "Release",
		del: "Delete",
		qempty: "The quarantine is empty.",
		qcount: "Emails held:",
		verdicts: {
			authenticated: "genuine", unverified: "not confirmed",
			spam: "spam", suspicious: "suspicious",
			phishing: "phishing", malware: "malware",
		},
		confirmRelease: "Really deliver this email? It was held " +
		    "because it may be dangerous.",
		confirmDelete: "Delete this email for good?",
		released: "Released and delivered:",
		deleted: "Deleted:",
		privacy: "To be checked, the email is sent to this mailtrust " +
		    "server.",
		nothing: "Please choose a file or paste the text first.",
		checking: "Checking …",
		done: "Done. The result is below.",
		failed: "The check failed:",
		unauth: "The server needs an access token (see " +
		    "“Quarantine” below).",
		filechosen: "Chosen file:",
		nofile: "No file chosen",
		server: "server",
		callsitself: ", calling itself “%s”",
		envip: "Server (IP address)",
		envhelo: "Server name (HELO)",
		envfrom: "Envelope sender (MAIL FROM)",
		envrcpt: "Recipients",
		fromMsg: "taken from the email itself",
		unknown: "unknown",
		res: {
			pass: "passed", fail: "failed",
			softfail: "probably failed", neutral: "neutral",
			none: "none", temperror: "temporary error",
			permerror: "broken record", policy: "policy",
		},
		meaning: {
			spf: "May the delivering server send for the domain?",
			dkim: "Is the email digitally signed and unchanged?",
			dmarc: "Does the visible sender match the checks?",
			arc: "Did forwarders vouch for the checks?",
		},
	},
};

const state = { lang: "de", body: null, lastResult: null };

const $ = (id) => document.getElementById(id);
const w = (key) => WORDS[state.lang][key];

function el(tag, text, cls) {
	const e = document.createElement(tag);
	if (text !== undefined && text !== null)
		e.textContent = String(text);
	if (cls)
		e.className = cls;
	return e;
}

function authHeaders() {
	const t = $("token").value.trim();
	return t ? { Authorization: "Bearer " + t } : {};
}

function setStatus(id, text, isError) {
	const s = $(id);
	s.textContent = text;
	s.classList.toggle("error", !!isError);
}

function applyWords() {
	document.documentElement.lang = state.lang;
	document.querySelectorAll("[data-t]").forEach((e) => {
		e.textContent = w(e.dataset.t);
	});
	document.title = "mailtrust – " + w("title");
	if (!$("file").files.length)
		$("file-name").textContent = w("nofile");
}

/* --- checking a message --- */

async function check() {
	if (state.body === null || state.body.length === 0) {
		setStatus("status", w("nothing"), true);
		return;
	}
	$("check").disabled = true;
	setStatus("status", w("checking"));
	try {
		const r = await fetch("/v1/check?lang=" + state.lang, {
			method: "POST",
			headers: Object.assign({ "Content-Type": "message/rfc822" },
			    authHeaders()),
			body: state.body,
		});
		const j = await r.json();
		if (r.status === 401) {
			setStatus("status", w("unauth"), true);
			$("admin-box").open = true;
			$("token").focus();
			return;
		}
		if (!j.verdict) {
			setStatus("status", w("failed") + " " + (j.message ||
			    r.status), true);
			return;
		}
		state.lastResult = j;
		show(j);
		setStatus("status", w("done"));
		/* On a phone the answer is below the fold: go to it. */
		$("verdict-h").focus({ preventScroll: true });
		$("result").scrollIntoView({ block: "start" });
	} catch (e) {
		setStatus("status", w("failed") + " " + e.message, true);
	} finally {
		$("check").disabled = false;
	}
}

function show(j) {
	const env = j.envelope || {};
	$("result").hidden = false;
	const badge = $("badge");
	badge.textContent = j.label;
	badge.className = "badge v-" + j.verdict;
	badge.dataset.verdict = j.verdict;
	$("r-from").textContent = j.from || w("unknown");
	/* The server's address is what the sender cannot choose; the
	 * name it gave (HELO) is its own claim and said to be one. */
	let real = w("unknown");
	if (env.client_ip)
		real = w("server") + " " + env.client_ip + (env.helo ?
		    w("callsitself").replace("%s", env.helo) : "");
	$("r-real").textContent = real;
	$("r-subject").textContent = j.subject || "–";
	$("summary").textContent = j.summary;
	showReasons(j.symbols || []);
	showTech(j);
}

function showReasons(symbols) {
	const list = $("reasons");
	list.replaceChildren();
	/*
	 * Every finding is a reason: warnings first, heaviest on top, then
	 * facts without weight (where a button leads), then good signs.
	 */
	const weighty = symbols.slice().sort((a, b) => b.score - a.score);
	if (weighty.length === 0)
		list.append(el("li", w("noreasons")));
	for (const s of weighty) {
		const li = el("li", null, s.score > 0 ? "warn" :
		    s.score < 0 ? "good" : "fact");
		/* The explanation quotes its evidence; the raw list is
		 * in the technical details. */
		li.append(el("span", s.explanation));
		list.append(li);
	}
}

function showTech(j) {
	const rows = $("auth-rows");
	rows.replaceChildren();
	const auth = j.auth || {};
	for (const m of ["spf", "dkim", "dmarc", "arc"]) {
		const tr = el("tr");
		const th = el("th", m.toUpperCase());
		th.scope = "row";
		const r = auth[m] || "none";
		tr.append(th, el("td", (w("res")[r] || r) + " (" + r + ")",
		    r === "pass" ? "r-pass" : r === "fail" ? "r-fail" : ""),
		    el("td", w("meaning")[m]));
		rows.append(tr);
	}
	const env = j.envelope || {};
	const dl = $("envelope");
	dl.replaceChildren();
	const add = (k, v) => dl.append(el("dt", w(k)), el("dd", v));
	add("envip", env.client_ip || w("unknown"));
	add("envhelo", env.helo || w("unknown"));
	add("envfrom", env.mail_from === "" ? "<>" :
	    (env.mail_from || w("unknown")));
	add("envrcpt", (env.rcpt || []).join(", ") || w("unknown"));
	if (env.from_message)
		dl.append(el("dt", ""), el("dd", "(" + w("fromMsg") + ")"));
	$("authres").textContent = auth.authentication_results || "–";
	const sr = $("symbol-rows");
	sr.replaceChildren();
	for (const s of j.symbols || []) {
		const tr = el("tr");
		tr.append(el("td", s.name), el("td", s.score.toFixed(1)),
		    el("td", (s.evidence || []).join(" · ")));
		sr.append(tr);
	}
}

async function takeFile(file) {
	if (!file)
		return;
	state.body = new Uint8Array(await file.arrayBuffer());
	$("paste").value = "";
	$("file-name").textContent = file.name;
	setStatus("status", w("filechosen") + " " + file.name);
	check();
}

/* --- the quarantine --- */

async function quarantineCall(method, path) {
	const r = await fetch(path, { method, headers: authHeaders() });
	const j = await r.json();
	if (!r.ok)
		throw new Error(j.message || String(r.status));
	return j;
}

async function loadQuarantine() {
	setStatus("q-status", "");
	let j;
	try {
		j = await quarantineCall("GET", "/v1/quarantine");
	} catch (e) {
		setStatus("q-status", w("failed") + " " + e.message, true);
		return;
	}
	const rows = $("q-rows");
	rows.replaceChildren();
	$("q-table").hidden = j.messages.length === 0;
	setStatus("q-status", j.messages.length === 0 ? w("qempty") :
	    w("qcount") + " " + j.total);
	for (const m of j.messages)
		rows.append(quarantineRow(m));
}

function quarantineRow(m) {
	const tr = el("tr");
	tr.dataset.id = m.id;
	const when = new Date(m.time * 1000).toLocaleString(state.lang);
	const act = el("td");
	const rel = el("button", w("release"), "secondary");
	rel.type = "button";
	rel.setAttribute("aria-label", w("release") + ": " + m.subject);
	rel.addEventListener("click", () => quarantineAct(m, "release"));
	const del = el("button", w("del"), "danger");
	del.type = "button";
	del.setAttribute("aria-label", w("del") + ": " + m.subject);
	del.addEventListener("click", () => quarantineAct(m, "delete"));
	act.append(rel, " ", del);
	tr.append(el("td", when), el("td", m.from || m.sender),
	    el("td", m.subject), el("td", w("verdicts")[m.verdict] ||
	    m.verdict, "q-verdict v-text-" + m.verdict), act);
	return tr;
}

async function quarantineAct(m, what) {
	const release = what === "release";
	if (!window.confirm(w(release ? "confirmRelease" : "confirmDelete")))
		return;
	try {
		const path = "/v1/quarantine/" + encodeURIComponent(m.id);
		if (release)
			await quarantineCall("POST", path + "/release");
		else
			await quarantineCall("DELETE", path);
	} catch (e) {
		setStatus("q-status", w("failed") + " " + e.message, true);
		return;
	}
	await loadQuarantine();
	setStatus("q-status", w(release ? "released" : "deleted") + " " +
	    (m.subject || m.id));
}

/* --- wiring --- */

function init() {
	const saved = sessionStorage.getItem("mailtrust-lang");
	state.lang = saved || ((navigator.language || "").startsWith("de") ?
	    "de" : "en");
	document.querySelector("input[name=lang][value=" + state.lang + "]")
	    .checked = true;
	applyWords();
	document.querySelectorAll("input[name=lang]").forEach((r) =>
	    r.addEventListener("change", () => {
		state.lang = r.value;
		sessionStorage.setItem("mailtrust-lang", state.lang);
		applyWords();
		if (state.lastResult)
			check();	/* the explanations in the new language */
	}));
	$("file").addEventListener("change", (e) =>
	    takeFile(e.target.files[0]));
	$("paste").addEventListener("input", (e) => {
		state.body = e.target.value;
	});
	$("ask").addEventListener("submit", (e) => {
		e.preventDefault();
		check();
	});
	const drop = $("drop");
	drop.addEventListener("dragover", (e) => {
		e.preventDefault();
		drop.classList.add("over");
	});
	drop.addEventListener("dragleave", () => drop.classList.remove("over"));
	drop.addEventListener("drop", (e) => {
		e.preventDefault();
		drop.classList.remove("over");
		takeFile(e.dataTransfer.files[0]);
	});
	/* A file dropped beside the box would otherwise replace the page. */
	for (const ev of ["dragover", "drop"])
		window.addEventListener(ev, (e) => e.preventDefault());
	$("token-form").addEventListener("submit", (e) => {
		e.preventDefault();
		loadQuarantine();
	});
}

document.addEventListener("DOMContentLoaded", init);
