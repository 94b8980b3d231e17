"""Speed of the embedded model through the gateway: load time, time to first token (TTFT),
prompt and generation throughput — next to a direct engine call (same engine, no gateway)
and to the MODELS.md anchor measured on a 2-core machine.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

__all__ = ["run_benchmark", "format_report", "ANCHOR", "PROMPTS"]

# MODELS.md, measured on a 2-core 24 GB machine without GPU.
ANCHOR = {"load_s": "2–3", "prompt_tok_s": "~35", "generation_tok_s": "13–19"}

_DOC = (
    "Délibération n° 2026-041 du conseil municipal. Objet : rénovation énergétique de l'école "
    "élémentaire Jules-Ferry. Le conseil municipal, après en avoir délibéré, approuve le "
    "programme de travaux (isolation des combles, remplacement des menuiseries, installation "
    "d'une pompe à chaleur) pour un montant estimé à 412 000 € HT, sollicite la dotation de "
    "soutien à l'investissement local à hauteur de 40 %, autorise le maire à lancer la "
    "consultation selon la procédure adaptée et à signer les marchés correspondants. "
) * 3

PROMPTS: dict[str, dict[str, Any]] = {
    "question courte": {
        "messages": "Quels sont les horaires habituels d'une mairie ? Réponds en deux phrases."
    },
    "résumé de délibération": {
        "messages": "Résume cette délibération en trois points.\n<donnees>\n"
        + _DOC
        + "\n</donnees>",
    },
    "extraction JSON": {
        "messages": "Extrais l'objet (en cinq mots au plus), le montant HT en euros et le taux "
        "de subvention.\n<donnees>\n" + _DOC + "\n</donnees>",
        "json_schema": {
            "type": "object",
            "properties": {
                "objet": {"type": "string"},
                "montant_ht_euros": {"type": "number"},
                "taux_subvention_pourcent": {"type": "number"},
            },
            "required": ["objet", "montant_ht_euros", "taux_subvention_pourcent"],
            "additionalProperties": False,
        },
    },
}


def _direct(engine, text: str, max_tokens: int) -> dict[str, float]:
    """Baseline: the same engine called directly (no gateway, no system prompt, no audit)."""
    first: list[float] = []
    count = 0
    started = time.perf_counter()

    def on_chunk(chunk: dict[str, Any]) -> bool:
        nonlocal count
        choices = chunk.get("choices") or [{}]
        if (choices[0].get("delta") or {}).get("content"):
            if not first:
                first.append(time.perf_counter() - started)
            count += 1
        return False

    engine.server.handle_chat_completions(
        {
            "messages": [{"role": "user", "content": text}],
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        },
        on_chunk,
    )
    total = time.perf_counter() - started
    ttft = first[0] if first else total
    return {"ttft_s": ttft, "gen_tok_s": count / (total - ttft) if total > ttft else 0.0}


def run_benchmark(*, runs: int = 3, max_tokens: int = 128, progress: Any = None) -> dict[str, Any]:
    """``progress(row)`` is called after each prompt (partial results survive a crash)."""
    from communia.core.llm.backends import get_embedded_engine, unload_embedded
    from communia.core.llm.config import get_llm_settings
    from communia.core.llm.gateway import complete

    settings = get_llm_settings()
    unload_embedded()
    t0 = time.perf_counter()
    engine = get_embedded_engine(settings)
    load_s = time.perf_counter() - t0
    complete("Bonjour.", commune_id=None, purpose="bench:warmup", max_tokens=4, temperature=0)

    rows = []
    for label, base in PROMPTS.items():
        spec = base
        ttfts, gens, prompts, tokens, cpu_gen = [], [], [], [], []
        eng_prompt, eng_gen = [], []
        for run in range(runs):
            cpu0 = time.process_time()
            # A distinct first line per run: the engine's prompt cache then reuses only the
            # system prompt (as in production), not the whole request.
            spec = {**spec, "messages": f"Demande n° {run + 1}. " + base["messages"]}
            if "json_schema" in spec:
                res = complete(
                    spec["messages"],
                    commune_id=None,
                    purpose="bench",
                    temperature=0,
                    json_schema=spec["json_schema"],
                    max_tokens=max(max_tokens, 128),  # a cut JSON is invalid: leave room
                )
                ttft = res.ttft_s or 0.0
            else:
                stream = complete(
                    spec["messages"],
                    commune_id=None,
                    purpose="bench",
                    temperature=0,
                    max_tokens=max_tokens,
                    stream=True,
                )
                for _piece in stream:
                    pass
                res = stream.result
                assert res is not None
                ttft = res.ttft_s or 0.0
            cpu_s = time.process_time() - cpu0
            # CPU seconds of this process (all threads): on a machine shared with other
            # work, wall-clock speed depends on the load; tokens per CPU-second does much less.
            cpu_gen.append((res.prompt_tokens + res.completion_tokens) / cpu_s if cpu_s else 0.0)
            ttfts.append(ttft)
            # Engine-side rates: prompt tokens actually evaluated (the cached system-prompt
            # prefix excluded) and generated tokens, per second of engine time.
            eng_prompt.append(float(res.engine_timings.get("prompt_per_second") or 0.0))
            eng_gen.append(float(res.engine_timings.get("predicted_per_second") or 0.0))
            gens.append(res.tokens_per_s)
            prompts.append(res.prompt_tokens / ttft if ttft else 0.0)
            tokens.append((res.prompt_tokens, res.completion_tokens))
        row = {
            "prompt": label,
            "prompt_tokens": tokens[-1][0],
            "completion_tokens": statistics.median(t[1] for t in tokens),
            "ttft_s": statistics.median(ttfts),
            "prompt_tok_s": statistics.median(prompts),
            "generation_tok_s": statistics.median(gens),
            "tokens_per_cpu_s": statistics.median(cpu_gen),
            "engine_prompt_tok_s": statistics.median(eng_prompt),
            "engine_generation_tok_s": statistics.median(eng_gen),
        }
        if "json_schema" not in spec:
            direct = [
                _direct(engine, f"Direct n° {run + 1}. " + base["messages"], max_tokens)
                for run in range(runs)
            ]
            row["direct_ttft_s"] = statistics.median(d["ttft_s"] for d in direct)
            row["direct_generation_tok_s"] = statistics.median(d["gen_tok_s"] for d in direct)
        rows.append(row)
        if progress is not None:
            progress(row)
    import os

    return {
        "load_s": load_s,
        "runs": runs,
        "max_tokens": max_tokens,
        "threads": settings.n_threads,
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "rows": rows,
        "anchor": ANCHOR,
    }


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"Chargement du modèle : {report['load_s']:.1f} s "
        f"(repère MODELS.md : {ANCHOR['load_s']} s)",
        f"{report['runs']} mesures par invite, {report['max_tokens']} jetons max, "
        f"{report['threads']} fils, {report['cpu_count']} cœurs, "
        f"charge {report['load_average']:.1f}",
        "",
        f"{'invite':<24}{'jetons in/out':>15}{'1er jeton':>11}{'invite j/s':>12}{'génér. j/s':>12}"
        f"{'direct 1er':>12}{'direct j/s':>12}{'j/s-CPU':>10}{'moteur inv.':>13}"
        f"{'moteur gén.':>13}",
    ]
    for r in report["rows"]:
        d1 = f"{r['direct_ttft_s']:.2f} s" if "direct_ttft_s" in r else "—"
        d2 = f"{r['direct_generation_tok_s']:.1f}" if "direct_generation_tok_s" in r else "—"
        lines.append(
            f"{r['prompt']:<24}{r['prompt_tokens']:>7}/{r['completion_tokens']:<7}"
            f"{r['ttft_s']:>9.2f} s{r['prompt_tok_s']:>12.1f}{r['generation_tok_s']:>12.1f}"
            f"{d1:>12}{d2:>12}{r['tokens_per_cpu_s']:>10.1f}"
            f"{r['engine_prompt_tok_s']:>13.1f}{r['engine_generation_tok_s']:>13.1f}"
        )
    lines.append("")
    lines.append(
        f"Repère MODELS.md (2 cœurs) : invite {ANCHOR['prompt_tok_s']} j/s, génération "
        f"{ANCHOR['generation_tok_s']} j/s. « direct » = même moteur appelé sans la passerelle "
        "(ni invite système, ni audit) : le rapport des deux mesure le coût de la passerelle. "
        "« j/s-CPU » = jetons (invite + réponse) par seconde de processeur consommée, "
        "peu sensible à la charge de la machine. « moteur » = vitesses mesurées par llama.cpp "
        "lui-même (invite : jetons réellement évalués, hors préfixe d'invite système en cache)."
    )
    return "\n".join(lines)
