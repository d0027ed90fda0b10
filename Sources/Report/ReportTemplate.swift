/// The report page (Mustache). `{{x}}` is HTML-escaped by the template engine; only the figures,
/// already escaped by Charts' SVG writer, are inserted raw with `{{{svg}}}`.
enum ReportTemplate {
    static let page = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}}</title>
    <style>
    body { font-family: Helvetica, Arial, "DejaVu Sans", sans-serif; color: #222; background: #fff; margin: 0; line-height: 1.45; }
    main { max-width: 1140px; margin: 0 auto; padding: 24px 28px 60px; }
    h1 { font-size: 1.6em; margin: 0.2em 0 0.1em; font-weight: 600; }
    h2 { font-size: 1.2em; margin: 1.8em 0 0.5em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; font-weight: 600; }
    .sub { color: #555; margin: 0 0 1em; }
    table { border-collapse: collapse; font-size: 0.86em; margin: 0.4em 0 1em; }
    th, td { padding: 3px 9px; text-align: left; border-bottom: 1px solid #eee; vertical-align: top; }
    th { border-bottom: 1.5px solid #999; font-weight: 600; background: #fafafa; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    .formula { font-family: "DejaVu Serif", Georgia, serif; font-style: italic; }
    .figures { display: flex; flex-wrap: wrap; gap: 18px 26px; }
    figure { margin: 0; flex: 0 1 520px; }
    figure svg { display: block; max-width: 100%; height: auto; }
    figcaption { font-size: 0.86em; color: #333; margin-top: 4px; max-width: 520px; }
    figcaption b { color: #000; }
    .note { color: #555; font-size: 0.9em; }
    .missing { background: #fff6e0; border-left: 4px solid #e0a800; padding: 8px 14px; margin: 1em 0; }
    .verdict { color: #8a3b12; }
    .laws { display: flex; flex-wrap: wrap; gap: 6px 34px; }
    .law { margin: 0.6em 0 1em; flex: 0 1 330px; }
    .law .note { font-size: 0.8em; }
    .law h3 { font-size: 1em; margin: 0 0 0.2em; }
    ul { margin: 0.3em 0; padding-left: 1.3em; }
    a { color: #1a5f8a; }
    </style>
    </head>
    <body>
    <main>
    <h1>{{title}}</h1>
    <p class="sub">{{kind}} <code>{{root}}</code>: {{runCount}} runs ({{finishedCount}} finished). {{fitOrigin}}</p>
    {{#hasProblems}}
    <div class="missing"><b>Missing or incomplete:</b>
    <ul>{{#problems}}<li>{{.}}</li>{{/problems}}</ul></div>
    {{/hasProblems}}

    <h2>Data</h2>
    <p>The tables behind every figure:
    {{#links}}<a href="{{href}}">{{label}}</a>{{^last}}, {{/last}}{{/links}}{{^links}}none written yet{{/links}}.</p>

    <h2>Study cost</h2>
    <table>
    {{#cost}}<tr><th>{{label}}</th><td class="num">{{value}}</td><td class="note">{{note}}</td></tr>{{/cost}}
    </table>

    <h2>Fitted laws</h2>
    <p class="note">{{fitOrigin}}</p>
    <div class="laws">
    {{#laws}}
    <div class="law">
    <h3>{{title}}</h3>
    <div class="formula">{{{formulaHTML}}}</div>
    <table>
    <tr><th>parameter</th><th class="num">value</th><th class="num">95% interval</th></tr>
    {{#parameters}}<tr><td>{{name}}</td><td class="num">{{value}}</td><td class="num">{{ci}}</td></tr>{{/parameters}}
    </table>
    <div class="note">{{points}} points; R² {{r2}}; RMSE of log residuals {{rmse}}.{{#notes}} {{.}}.{{/notes}}</div>
    </div>
    {{/laws}}
    </div>
    {{^laws}}<p>No law could be fitted to these data in a way that means something (see below).</p>{{/laws}}
    {{#hasUndetermined}}
    <p><b>Fitted but not determined by these data</b> (not results):</p>
    <ul>{{#undetermined}}<li>{{title}}: <span class="verdict">{{verdict}}</span></li>{{/undetermined}}</ul>
    {{/hasUndetermined}}
    {{#hasSkippedLaws}}
    <p><b>Not fitted:</b></p>
    <ul>{{#skippedLaws}}<li>{{law}}: {{reason}}</li>{{/skippedLaws}}</ul>
    {{/hasSkippedLaws}}

    <h2>Figures</h2>
    <div class="figures">
    {{#figures}}
    <figure id="{{id}}">
    {{{svg}}}
    <figcaption><b>Figure {{number}}. {{title}}.</b> {{caption}}</figcaption>
    </figure>
    {{/figures}}
    </div>
    {{#hasSkippedFigures}}
    <p class="note">Not drawn:</p>
    <ul class="note">{{#skippedFigures}}<li>{{title}}: {{reason}}</li>{{/skippedFigures}}</ul>
    {{/hasSkippedFigures}}

    <h2>Runs</h2>
    <table>
    <tr><th>run</th><th>status</th><th class="num">N</th><th class="num">D</th><th class="num">C (FLOPs)</th><th class="num">V</th><th class="num">final val loss</th><th class="num">bits/byte</th><th class="num">wall time</th></tr>
    {{#runs}}<tr><td>{{#href}}<a href="{{href}}">{{name}}</a>{{/href}}{{^href}}{{name}}{{/href}}</td><td>{{status}}</td><td class="num">{{n}}</td><td class="num">{{d}}</td><td class="num">{{c}}</td><td class="num">{{v}}</td><td class="num">{{loss}}</td><td class="num">{{bpb}}</td><td class="num">{{wall}}</td></tr>
    {{/runs}}
    </table>
    {{#hasExcluded}}
    <p><b>Runs excluded from the fits</b></p>
    <ul>{{#excluded}}<li>{{run}}: {{reason}}</li>{{/excluded}}</ul>
    {{/hasExcluded}}
    <p class="note">Written by scalelab report. FLOPs are 6·N·D with N all parameters (Chinchilla's convention).</p>
    </main>
    </body>
    </html>

    """
}
