from certificates.models import CertificateTemplate, Kind

BODY = "{name}同志于{dates}参加{what}，完成{hours}学时，考核合格，特发此证。"


def published_template(kind: str = Kind.TRAINING, **fields) -> CertificateTemplate:
    """A live template of a kind with its first revision published, as staff leave it."""
    template = CertificateTemplate.objects.create(
        name=fields.pop("name", f"{kind} 2026"),
        kind=kind,
        title=fields.pop("title", "结业证书" if kind == Kind.PROGRAM else "培训证书"),
        body=fields.pop("body", BODY),
        issuer=fields.pop("issuer", "中共东沟乡委员会"),
        signatory_name=fields.pop("signatory_name", "王建国"),
        signatory_title=fields.pop("signatory_title", "党委书记"),
        live=False,
        **fields,
    )
    template.save_revision().publish()
    template.refresh_from_db()
    return template
