"""The personal-data ZIP of an employee: the JSON document, their employee PDF over their whole
history and each of their audits' PDFs, all without the auditors' names (it is meant for them)."""
import io
import json
import zipfile
from datetime import date

from core.timeutil import utcnow
from reports import pdf
from reports.filters import Filters
from security import personal_data


def personal_data_zip(employee, lang: str) -> bytes:
    document = personal_data.document(employee)
    audits = [a for a in personal_data.audits_of(employee) if a.status != "draft"]
    first = min((a.started_at.date() for a in audits if a.started_at), default=utcnow().date())
    whole = Filters(scope=None, date_from=min(first, date.today()), date_to=utcnow().date(), employee_id=employee.id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
        archive.writestr(f"employee-{employee.code}.pdf", pdf.employee_pdf(employee, whole, lang, anonymous=True))
        for audit in audits:
            archive.writestr(f"audits/audit-{audit.id}.pdf", pdf.audit_pdf(audit, lang, anonymous=True))
    return buffer.getvalue()


def zip_name(employee) -> str:
    return f"personal-data-{employee.code}-{utcnow():%Y-%m-%d}.zip"
