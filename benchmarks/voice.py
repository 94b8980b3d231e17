"""Voice benchmarks: speech-recognition word error rate and phone answer latency.

    nice python benchmarks/voice.py wer      # WER on ../shared/data/speech (+ telephone band)
    nice python benchmarks/voice.py latency  # end of question → first answer frame, AudioSocket
    nice python benchmarks/voice.py all

Needs the ``speech`` extra, espeak-ng and ``communia speech install-model`` (or
COMMUNIA_SPEECH_MODEL_DIR). Timings depend on the machine: read them as ratios.
"""

from __future__ import annotations

import asyncio
import csv
import os
import re
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEECH = Path(os.environ.get("COMMUNIA_SPEECH_DATA", ROOT.parent / "shared" / "data" / "speech"))
QUESTION_WAV = ROOT / "tests" / "voice" / "fixtures" / "question_fr_8k.wav"
# Anchors from MODELS.md (Whisper base int8 on 2 cores).
ANCHOR_WER_NATURAL = 0.11
ANCHOR_WER_ESPEAK = 0.44


def normalise_sppas(text: str) -> str:
    """SPPAS transcription conventions → plain words."""
    text = re.sub(r"\[([^,\]]*),[^\]]*\]", r"\1", text)  # [written,spoken] → written
    text = re.sub(r"<([^,>]*),[^>]*>", r"\1", text)  # <a,b> uncertain → first
    text = re.sub(r"\(([^)]*)\)", r"\1", text)  # i(l) elided sound → il
    text = re.sub(r"[*+@$#]", " ", text)  # pauses, laughter, noises, proper-noun marks
    return text


def words(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'")
    text = re.sub(r"(\w)'", r"\1' ", text).replace("-", " ")
    out = re.findall(r"[a-zàâäçéèêëîïôöùûüÿœæ0-9']+", text)
    return [w for w in out if w not in {"euh", "heu", "hum", "hm", "bah"}]


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    d = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, d[0] = d[0], i
        for j, h in enumerate(hyp, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (r != h))
    return d[len(hyp)]


def reference(row: dict) -> str:
    if row["file"].startswith("picovoice"):
        import json

        data = json.loads((SPEECH / "picovoice_leopard" / "test_data.json").read_text())
        text = json.dumps(data, ensure_ascii=False)
        m = re.search(r"Sous le consulat[^\"]*", text)
        return m.group(0) if m else row["transcript_textgrid_concat"]
    return normalise_sppas(row["transcript_textgrid_concat"])


def bench_wer() -> dict:
    from communia.core.speech.audio import read_wav, resample, ulaw_decode, ulaw_encode
    from communia.core.speech.stt import Transcriber
    from communia.core.speech.tts import Synthesizer

    transcriber = Transcriber()
    transcriber.load()
    rows = list(csv.DictReader((SPEECH / "manifest.csv").open(encoding="utf-8")))
    totals = {"wide": [0, 0], "phone": [0, 0]}
    audio_s = {"wide": 0.0, "phone": 0.0}
    stt_s = {"wide": 0.0, "phone": 0.0}
    print(f"{'clip':42s} {'WER 16k':>8s} {'WER tel.':>8s}")
    for row in rows:
        pcm, rate = read_wav(SPEECH / row["file"])
        ref = words(reference(row))
        phone = ulaw_decode(ulaw_encode(resample(pcm, rate, 8000)))  # G.711 line
        line = []
        for key, (audio, r) in {"wide": (pcm, rate), "phone": (phone, 8000)}.items():
            t0 = time.perf_counter()
            hyp = words(transcriber.transcribe(audio, r).text)
            stt_s[key] += time.perf_counter() - t0
            audio_s[key] += len(audio) / 2 / r
            errors = edit_distance(ref, hyp)
            totals[key][0] += errors
            totals[key][1] += len(ref)
            line.append(errors / max(1, len(ref)))
        print(f"{row['file'][:42]:42s} {line[0]:8.1%} {line[1]:8.1%}")
    # Intelligibility of our own TTS to the recogniser (espeak-ng → Whisper), on fixed replies.
    from communia.core.speech.spoken import (
        ERROR_REPLY,
        HANGUP_REPLY,
        NOISE_REPLY,
        SILENCE_REPLY,
        greeting,
    )

    tts_errors = tts_words = 0
    synth = Synthesizer()
    for text in (SILENCE_REPLY, NOISE_REPLY, HANGUP_REPLY, ERROR_REPLY, greeting("Plaisir")):
        hyp = words(transcriber.transcribe(synth.synthesize(text, 16000), 16000).text)
        tts_errors += edit_distance(words(text), hyp)
        tts_words += len(words(text))
    result = {
        "wer_wide": totals["wide"][0] / totals["wide"][1],
        "wer_phone": totals["phone"][0] / totals["phone"][1],
        "rtf_wide": stt_s["wide"] / audio_s["wide"],
        "rtf_phone": stt_s["phone"] / audio_s["phone"],
        "wer_espeak_replies": tts_errors / tts_words,
        "words": totals["wide"][1],
        "clips": len(rows),
    }
    print(
        f"\nWER (pooled, {result['clips']} clips, {result['words']} words, SPPAS conventions "
        f"normalised, hesitations dropped):\n"
        f"  wide band (16 kHz)        {result['wer_wide']:.1%}   real-time factor {result['rtf_wide']:.2f}\n"
        f"  telephone (8 kHz G.711)   {result['wer_phone']:.1%}   real-time factor {result['rtf_phone']:.2f}\n"
        f"  baseline: empty transcript 100.0%; MODELS.md anchors: {ANCHOR_WER_NATURAL:.0%} natural "
        f"synthetic French, {ANCHOR_WER_ESPEAK:.0%} espeak\n"
        f"  espeak-ng replies → Whisper: {result['wer_espeak_replies']:.1%} "
        "(how well the recogniser understands our own voice)"
    )
    return result


def bench_latency(n_calls: int = 5) -> dict:
    from communia.core.speech.audio import read_wav
    from communia.core.speech.audiosocket import audiosocket_call
    from communia.core.speech.pipeline import VoicePipeline
    from communia.core.speech.server import VoiceBridge
    from communia.core.speech.stt import Transcriber
    from communia.core.speech.tts import Synthesizer

    def responder(text, *, commune_slug, channel):  # instant: measures the voice layer alone
        return {
            "answer": "Le service état civil vous répond du lundi au vendredi de 8h30 à 17h, "
            "au 01 30 79 63 00. Les pièces à fournir sont sur https://www.service-public.fr/F1427.",
            "sources": [
                {
                    "id": "F1427",
                    "title": "Acte de naissance",
                    "url": "https://www.service-public.fr/F1427",
                }
            ],
            "service": "etat-civil",
            "emergency": None,
            "action": "route",
            "confidence": 0.9,
        }

    pipeline = VoicePipeline(
        transcriber=Transcriber(cpu_threads=2),
        synthesizer=Synthesizer(),
        responder=responder,
        commune_slug="bench",
        record_audit=False,
    )
    pipeline.warm_up()
    turns: list[dict] = []
    bridge = VoiceBridge(
        {"bench": pipeline},
        default="bench",
        greet=False,
        on_event=lambda n, d: turns.append(d) if n == "turn" else None,
    )
    question, _ = read_wav(QUESTION_WAV)
    latencies = []

    async def run() -> None:
        servers = await bridge.start(audiosocket_port=0)
        for _ in range(n_calls):
            result = await audiosocket_call(
                "127.0.0.1",
                servers["audiosocket_port"],
                question,
                wait_greeting_s=0.2,
                trailing_silence_s=0.3,
            )
            latencies.append(result["latency_s"])
        servers["audiosocket"].close()

    asyncio.run(run())
    question_s = len(question) / 16000
    from communia.core.speech.audio import frames, rms_dbfs

    levels = [rms_dbfs(f) for f in frames(question, 8000)]
    last_voiced = max(i for i, level in enumerate(levels) if level > -45)
    trailing_s = (len(levels) - 1 - last_voiced) * 0.02  # silence at the end of the recording
    stt = [t["timings"]["stt_s"] for t in turns]
    tts = [t["timings"]["tts_s"] for t in turns]
    med = statistics.median(latencies)
    result = {
        "latency_median_s": med,
        "latency_max_s": max(latencies),
        "stt_median_s": statistics.median(stt),
        "tts_median_s": statistics.median(tts),
        "question_s": question_s,
        "end_silence_s": 0.7,
        "trailing_silence_s": trailing_s,
    }
    print(
        f"\nLatency, end of question → first answer frame (AudioSocket, {n_calls} calls, "
        f"{question_s:.1f} s question, {os.cpu_count()} CPUs, responder instant):\n"
        f"  median {med:.2f} s, max {max(latencies):.2f} s from the end of the recording; "
        f"{med + trailing_s:.2f} s from the end of speech ({trailing_s:.2f} s of silence ends the clip)\n"
        f"  of which: end-of-utterance silence 0.70 s; STT median {result['stt_median_s']:.2f} s "
        f"(real-time factor {result['stt_median_s'] / question_s:.2f}); TTS median {result['tts_median_s']:.2f} s\n"
        f"  ratio latency / question duration: {med / question_s:.2f}\n"
        "  add the assistant's own answer time (issue target: median < 1.5 s without LLM)."
    )
    return result


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("wer", "all"):
        bench_wer()
    if what in ("latency", "all"):
        bench_latency()
