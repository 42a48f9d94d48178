"""Human wording of import reason codes, for the rejected-rows report (Indonesian first)."""

from __future__ import annotations

from sigap_core.i18n import N_, Translator

_REASONS: dict[str, str] = {
    "too_few_columns": N_("Kolom kurang: ada {found}, seharusnya {expected}"),
    "too_many_columns": N_("Kolom berlebih: ada {found}, seharusnya {expected} (ada koma/titik koma di dalam isian?)"),
    "duplicate_in_file": N_("Duplikat: data yang sama sudah ada di baris {first_line}"),
    "no_hp_ignored": N_("Nomor HP tidak dikenali; baris tetap diimpor tanpa nomor HP"),
    "no_kk_invalid": N_("Nomor KK tidak valid"),
    "nama_missing": N_("Nama kosong"),
    "nama_too_long": N_("Nama lebih dari 100 karakter"),
    "jenis_kelamin_invalid": N_("Jenis kelamin harus L atau P"),
    "kode_kelurahan_missing": N_("Kode kelurahan kosong"),
    "kode_kelurahan_invalid": N_("Kode kelurahan harus 10 digit (mis. 32.75.01.1001), tertulis {value}"),
    "kode_kelurahan_unknown": N_("Kode kelurahan {value} tidak ada di Kota Bekasi"),
    "skema_invalid": N_("Skema harus SIGAP atau LAINNYA, tertulis {value}"),
    "program_missing": N_("Program kosong"),
    "program_invalid": N_("Program tidak dikenal: {value} (yang dikenal: JKK, JKM, JHT, JP)"),
    "status_invalid": N_("Status harus AKTIF atau NONAKTIF, tertulis {value}"),
    "tanggal_akhir_before_mulai": N_("Tanggal akhir sebelum tanggal mulai"),
    "kpj_too_long": N_("KPJ terlalu panjang ({length} digit)"),
}

# Reasons shared by several fields: `{field}_{problem}`.
_FIELD_PROBLEMS: dict[str, str] = {
    "missing": N_("{field} kosong"),
    "wrong_length": N_("{field} harus 16 digit, tertulis {length} digit"),
    "not_digits": N_("{field} harus berisi angka saja (bentuk: {value})"),
    "excel_scientific": N_(
        "{field} rusak oleh Excel ({value}): digitnya hilang. Format kolom sebagai Teks lalu ekspor ulang"
    ),
    "excel_number": N_("{field} tersimpan sebagai angka desimal yang tidak utuh"),
    "format": N_("{field} harus YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY, tertulis {value}"),
    "impossible": N_("{field} tidak ada di kalender: {value}"),
    "invalid": N_("{field} tidak valid: {value}"),
    "out_of_range": N_("{field} di luar rentang yang berlaku: {value}"),
    "unknown_province": N_("{field}: kode provinsi {code} tidak ada"),
    "zero_regency": N_("{field}: kode kabupaten/kota 00 tidak ada"),
    "zero_kecamatan": N_("{field}: kode kecamatan 00 tidak ada"),
    "bad_day": N_("{field}: tanggal lahir {day} tidak mungkin"),
    "bad_month": N_("{field}: bulan lahir {month} tidak mungkin"),
    "impossible_date": N_("{field}: tanggal lahir {date} tidak ada di kalender"),
    "zero_serial": N_("{field}: nomor urut 0000 tidak dipakai Dukcapil"),
}

_FIELD_NAMES = {
    "nik": "NIK",
    "no_kk": "No. KK",
    "kpj": "KPJ",
    "tanggal_lahir": "Tanggal lahir",
    "tanggal_mulai": "Tanggal mulai",
    "tanggal_akhir": "Tanggal akhir",
    "desil": "Desil",
}


def describe(reason: str, params: dict[str, object], lang: str = "id") -> str:
    _ = Translator(lang)
    if reason in _REASONS:
        return _(_REASONS[reason]).format(**params)
    for field_code, field_name in _FIELD_NAMES.items():
        prefix = field_code + "_"
        if reason.startswith(prefix) and reason[len(prefix) :] in _FIELD_PROBLEMS:
            template = _(_FIELD_PROBLEMS[reason[len(prefix) :]])
            return template.format(field=field_name, **params)
    return reason
