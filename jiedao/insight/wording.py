"""The shipped wording of the quantified reports (量化式报告), one per scope level.

Copied into ``ReportTemplate`` rows by migration 0002 so a sub-district can edit them in the admin; a level
without a row uses these. Lines starting with "## " are headings; blank lines separate paragraphs. ``{{ f.x }}``
prints a figure (and links it on screen); ``vs_prev.x`` / ``vs_year.x`` phrase the change against the previous
period and the same period last year.
"""

STREET = """\
## 一、总体情况
{{ period.label }},{{ scope_name }}共受理各类案件{{ f.reported }},立案{{ f.registered }},结案{{ f.closed }}。应结案{{ f.due }},结案率{{ f.close_rate }},按期结案率{{ f.ontime_close_rate }},按期处置率{{ f.ontime_handle_rate }}。立案数{{ vs_prev.registered }},{{ vs_year.registered }};按期结案率{{ vs_prev.ontime_close_rate }}。

准确派遣率{{ f.dispatch_rate }},返工率{{ f.rework_rate }},延期率{{ f.extension_rate }},作废率{{ f.void_rate }}{% if f.rework_rate.value %},返工问题仍需压降{% endif %}。

## 二、接诉即办
受理处置12345工单{{ hotline.reported }},按时办结率{{ hotline.ontime_close_rate }};有效回访{{ hotline.callbacks }},响应率{{ hotline.response_rate }}、解决率{{ hotline.resolve_rate }}、满意率{{ hotline.satisfaction_rate }},综合满意率{{ hotline.hotline_score }}分,{{ vs_prev.hotline_score }}。

## 三、平安建设
闭环排查整改安全隐患{{ f.hazards_found }},已整改{{ f.hazards_fixed }},整改率{{ f.hazard_fix_rate }}。受理矛盾纠纷{{ f.disputes }},调处化解{{ f.disputes_solved }},化解率{{ f.dispute_rate }},涉及标的金额{{ f.dispute_amount }}。收集居民“微心愿”{{ f.wishes }},已实现{{ f.wishes_done }}。

## 四、问题分布
{% if top_groups %}从问题类别看,{% for row in top_groups %}{{ row.label }}{{ row.value }}{% if not forloop.last %}、{% endif %}{% endfor %}位居前列。{% endif %}{% if top_channels %}从来源渠道看,{% for row in top_channels %}{{ row.label }}{{ row.value }}{% if not forloop.last %}、{% endif %}{% endfor %}。{% endif %}

## 五、红黑榜
{% for ranking in rankings %}以{{ ranking.metric }}排名,{{ ranking.by }}红榜:{% for row in ranking.red %}{{ row.label }}({{ row.value }}){% if not forloop.last %}、{% endif %}{% empty %}暂无{% endfor %};黑榜:{% for row in ranking.black %}{{ row.label }}({{ row.value }}){% if not forloop.last %}、{% endif %}{% empty %}暂无{% endfor %}。
{% endfor %}
## 六、热点问题(未诉先办)
{% if hotspots %}近{{ hotspot_days }}日内,同类问题在{{ hotspot_radius }}米范围内反复发生{{ hotspot_min }}次以上的点位{{ hotspots|length }}处:{% for h in hotspots %}{{ h.place }}{{ h.category }}{{ h.count }}件{% if not forloop.last %};{% endif %}{% endfor %}。建议提前介入、源头治理,做到“未诉先办”。{% else %}近{{ hotspot_days }}日内未发现同类问题在{{ hotspot_radius }}米范围内反复发生{{ hotspot_min }}次以上的点位。{% endif %}
"""

COMMUNITY = """\
## 一、总体情况
{{ period.label }},{{ scope_name }}共受理各类案件{{ f.reported }},立案{{ f.registered }},结案{{ f.closed }},结案率{{ f.close_rate }},按期结案率{{ f.ontime_close_rate }}。立案数{{ vs_prev.registered }},{{ vs_year.registered }}。

## 二、接诉即办
受理处置12345工单{{ hotline.reported }},按时办结率{{ hotline.ontime_close_rate }},满意率{{ hotline.satisfaction_rate }},综合满意率{{ hotline.hotline_score }}分。

## 三、平安建设与服务
排查整改安全隐患{{ f.hazards_found }},已整改{{ f.hazards_fixed }},整改率{{ f.hazard_fix_rate }};受理矛盾纠纷{{ f.disputes }},化解{{ f.disputes_solved }},化解率{{ f.dispute_rate }};收集“微心愿”{{ f.wishes }},已实现{{ f.wishes_done }}。

## 四、热点问题(未诉先办)
{% if hotspots %}{% for h in hotspots %}{{ h.place }}{{ h.category }}近{{ hotspot_days }}日{{ h.count }}件{% if not forloop.last %};{% endif %}{% endfor %}。{% else %}本期未发现反复发生的热点问题。{% endif %}
"""

UNIT = """\
## 一、办理情况
{{ period.label }},{{ scope_name }}承办案件中,本期立案{{ f.registered }},结案{{ f.closed }},结案率{{ f.close_rate }},按期处置率{{ f.ontime_handle_rate }},按期结案率{{ f.ontime_close_rate }}。立案数{{ vs_prev.registered }},{{ vs_year.registered }}。

## 二、办理质量
准确派遣率{{ f.dispatch_rate }}(退单{{ counts.returned }}件),返工率{{ f.rework_rate }},延期率{{ f.extension_rate }};12345工单满意率{{ hotline.satisfaction_rate }}。
"""

DEFAULTS: dict[str, tuple[str, str]] = {
    "street": ("{{ scope_name }}{{ period.label }}城市运行管理量化报告", STREET),
    "community": ("{{ scope_name }}{{ period.label }}社区治理量化报告", COMMUNITY),
    "unit": ("{{ scope_name }}{{ period.label }}案件办理量化报告", UNIT),
}


def ship_defaults(template_model) -> None:
    """Create the shipped wording for every level that has none (migration 0002, and tests after a flush)."""
    for level, (title, body) in DEFAULTS.items():
        template_model.objects.get_or_create(level=level, defaults={"title": title, "body": body})
