#!/usr/bin/env python3
"""Writes the proposer benchmark's held-out sources (synthetic, no real people):

  dentrix_like/  a CSV export in the naming style of US practice-management
                 systems ("Last Name", "ST", "Prov1", "Appt Reason"), with the
                 appointment's date and time in separate columns;
  drdentes_tr/   a Dr.DENTES export with its Turkish column and file names
                 ("Adı", "Doğum Tarihi", "randevular").

Both were written and labelled (labels/dentrix_like.csv, drdentes_tr.csv)
before the proposer first ran on them; docs/proposer.md reports the figures
of that first run and of the current one. Run from this directory:
  python3 make_heldout.py
"""
import csv
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, header, rows, delimiter=","):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)


def dentrix():
    r = random.Random(7)
    d = os.path.join(HERE, "dentrix_like")
    first = ["Emma", "Liam", "Olivia", "Noah", "Ava", "Mason", "Sophia", "Lucas",
             "Mia", "Ethan", "Harper", "Logan", "Ella", "James", "Aria"]
    last = ["Garcia", "Nguyen", "Patel", "Johnson", "Lee", "Brown", "Davis",
            "Miller", "Wilson", "Moore", "Taylor", "Clark", "Lewis"]
    cities = [("Beaverton", "OR", "97005"), ("Portland", "OR", "97205"),
              ("Salem", "OR", "97301"), ("Vancouver", "WA", "98660")]
    write(os.path.join(d, "offices.csv"),
          ["OfficeID", "Office Name", "Street", "City", "ST", "Zip", "Phone",
           "Fax", "Email", "Website"],
          [["OF1", "Cedar Hills Family Dental", "2700 SW Cedar Hills Blvd",
            "Beaverton", "OR", "97005", "(503) 555-0140", "(503) 555-0141",
            "frontdesk@cedarhills.example", "https://cedarhills.example"],
           ["OF2", "Pearl District Dental", "1120 NW Couch St", "Portland",
            "OR", "97209", "(503) 555-0150", "", "hello@pearl.example",
            "https://pearl.example"]])
    provs = [["DR1", "Okafor", "Adaeze", "DDS", "General", "1234567893",
              "aokafor@cedarhills.example", "(503) 555-0160", "Y"],
             ["DR2", "Lindgren", "Per", "DMD", "Endodontics", "1245319599",
              "plindgren@cedarhills.example", "(503) 555-0161", "Y"],
             ["HY1", "Santos", "Rita", "RDH", "Hygiene", "", "rsantos@pearl.example",
              "(503) 555-0162", "Y"]]
    write(os.path.join(d, "providers.csv"),
          ["ProviderID", "Last Name", "First Name", "Title", "Specialty", "NPI",
           "Email", "Phone", "Active"], provs)
    patients = []
    statuses = ["Active", "Active", "Active", "Inactive", "Non-Patient"]
    refs = ["Google", "Friend", "Insurance list", "Walk-in", "Mailer"]
    for i in range(1, 41):
        fn, ln = r.choice(first), r.choice(last)
        city, st, z = r.choice(cities)
        y, m, dd = r.randint(1940, 2018), r.randint(1, 12), r.randint(1, 28)
        fv = "%02d/%02d/%d" % (r.randint(1, 12), r.randint(1, 28), r.randint(2010, 2022))
        lv = "%02d/%02d/%d" % (r.randint(1, 12), r.randint(1, 28), r.randint(2023, 2025))
        patients.append([
            "P%04d" % i, str(10000 + i), ln, fn, r.choice(["", "A", "J", "M"]),
            r.choice(["", fn[:3]]), "%02d/%02d/%d" % (m, dd, y),
            r.choice(["F", "M"]), r.choice(["Single", "Married", ""]),
            "%03d-%02d-%04d" % (r.randint(100, 899), r.randint(10, 99), r.randint(1000, 9999)),
            "%d SW %s St" % (r.randint(100, 9999), r.choice(["Oak", "Pine", "Alder"])),
            r.choice(["", "Apt %d" % r.randint(1, 40)]), city, st, z,
            "(503) 555-%04d" % r.randint(200, 999),
            r.choice(["", "(971) 555-%04d" % r.randint(200, 999)]),
            r.choice(["", "12", "204"]), "(971) 555-%04d" % r.randint(1000, 1999),
            "%s.%s%d@mail.example" % (fn.lower(), ln.lower(), i),
            r.choice(["DR1", "DR2"]), r.choice(["", "HY1"]), r.choice(statuses),
            "%.2f" % r.choice([0, 0, 35.5, 120.0, 410.25]), fv, lv,
            r.choice(refs), r.choice(["", "Intel", "Nike", "OHSU"]),
            r.choice(["", "", "Penicillin allergy", "Latex allergy"]),
            r.choice(["OF1", "OF2"]),
            "%02d/%02d/2025 %02d:%02d PM" % (r.randint(1, 12), r.randint(1, 28),
                                             r.randint(1, 11), r.randint(0, 59))])
    write(os.path.join(d, "patients.csv"),
          ["PatientID", "Chart #", "Last Name", "First Name", "MI", "Preferred",
           "Birth Date", "Gender", "Marital Status", "SSN", "Street",
           "Street 2", "City", "ST", "Zip", "Home Phone", "Work Phone",
           "Work Ext", "Cell Phone", "E-Mail", "Prov1", "Prov2", "Status",
           "Family Balance", "First Visit", "Last Visit", "Referred By",
           "Employer", "Medical Alerts", "OfficeID", "Date Modified"], patients)
    appts = []
    reasons = ["Prophy", "Exam", "Crown prep", "Filling", "Root canal", "Consult"]
    for i in range(1, 81):
        p = r.choice(patients)
        appts.append([
            "A%05d" % i, p[0], r.choice(["DR1", "DR2", "HY1"]), p[29],
            "%02d/%02d/2025" % (r.randint(1, 12), r.randint(1, 28)),
            "%02d:%s %s" % (r.randint(8, 11), r.choice(["00", "30"]), "AM"),
            str(r.choice([30, 60, 90])), "OP%d" % r.randint(1, 5),
            r.choice(reasons),
            r.choice(["Complete", "Complete", "Scheduled", "Broken", "Cancelled"]),
            r.choice(["Confirmed", "Left message", "Not confirmed"]),
            r.choice(["", "Pt anxious, use topical", "Bring x-rays",
                      "Needs premed per MD"]),
            "%02d/%02d/2024 %02d:%02d AM" % (r.randint(1, 12), r.randint(1, 28),
                                             r.randint(1, 11), r.randint(0, 59))])
    write(os.path.join(d, "appointments.csv"),
          ["ApptID", "PatientID", "ProviderID", "OfficeID", "Appt Date",
           "Appt Time", "Length (min)", "Operatory", "Appt Reason", "Status",
           "Confirmation", "Notes", "Date Created"], appts)
    cases = []
    for i in range(1, 31):
        p = r.choice(patients)
        total = r.choice([450, 1200, 2850, 5400])
        ins = round(total * r.choice([0, 0.5, 0.8]), 2)
        cases.append([
            "C%04d" % i, p[0], r.choice(["DR1", "DR2"]),
            r.choice(["Crown #14", "Implant #30", "Perio therapy", "Invisalign"]),
            r.choice(["Proposed", "Accepted", "Completed", "Rejected", "Proposed"]),
            "%02d/%02d/2025" % (r.randint(1, 12), r.randint(1, 28)),
            "%.2f" % total, "%.2f" % ins, "%.2f" % (total - ins),
            r.choice(["", "Pt wants to wait for new benefits year", ""])])
    write(os.path.join(d, "tx_cases.csv"),
          ["CaseID", "PatientID", "ProviderID", "Case Name", "Case Status",
           "Date Created", "Total Fee", "Ins Portion", "Pt Portion", "Notes"],
          cases)
    recalls = []
    for i in range(1, 41):
        p = patients[i - 1]
        recalls.append([
            "R%04d" % i, p[0], r.choice(["Prophy", "Perio Maint", "Bitewings"]),
            "%02d/%02d/2026" % (r.randint(1, 12), r.randint(1, 28)),
            r.choice(["6", "3", "12"]),
            r.choice(["Due", "Past due", "Scheduled", "Completed"]),
            r.choice(["Y", "N"])])
    write(os.path.join(d, "recalls.csv"),
          ["RecallID", "PatientID", "Recall Type", "Due Date", "Interval",
           "Status", "Appt Scheduled"], recalls)
    procs = []
    for i in range(1, 61):
        p = r.choice(patients)
        code, desc = r.choice([("D0120", "Periodic eval"), ("D1110", "Prophylaxis adult"),
                               ("D2391", "Resin 1s post"), ("D2740", "Crown porcelain")])
        procs.append(["X%05d" % i, p[0], r.choice(["DR1", "DR2"]), code, desc,
                      r.choice(["", "3", "14", "19", "30"]), r.choice(["", "MO", "O", "DO"]),
                      "%02d/%02d/2025" % (r.randint(1, 12), r.randint(1, 28)),
                      "%.2f" % r.choice([65, 110, 185, 1250])])
    write(os.path.join(d, "procedures.csv"),
          ["ProcID", "PatientID", "ProviderID", "ADA Code", "Description",
           "Tooth", "Surface", "Proc Date", "Amount"], procs)
    ledger = []
    for i in range(1, 41):
        p = r.choice(patients)
        ledger.append(["L%05d" % i, p[0], "%02d/%02d/2025" % (r.randint(1, 12), r.randint(1, 28)),
                       r.choice(["Payment - Visa", "Payment - Check", "Ins Payment"]),
                       "%.2f" % r.choice([25, 80, 150, 300])])
    write(os.path.join(d, "ledger.csv"),
          ["EntryID", "PatientID", "Date", "Type", "Amount"], ledger)


def drdentes_tr():
    r = random.Random(11)
    d = os.path.join(HERE, "drdentes_tr")
    ad = ["Ayşe", "Mehmet", "Fatma", "Mustafa", "Zeynep", "Ahmet", "Elif",
          "Can", "Merve", "Burak", "Selin", "Emre"]
    soyad = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk",
             "Aydın", "Arslan", "Doğan"]
    ilce = [("Kadıköy", "İstanbul", "34710"), ("Çankaya", "Ankara", "06690"),
            ("Bornova", "İzmir", "35040"), ("Ataşehir", "İstanbul", "34758")]
    write(os.path.join(d, "klinikler.csv"),
          ["Klinik No", "Klinik Adı", "Telefon", "E-posta", "Adres", "İlçe", "İl",
           "Ülke"],
          [["K1", "Gülüş Diş Kliniği Kadıköy", "0216 555 01 00",
            "kadikoy@gulus.example", "Moda Cad. No: 12", "Kadıköy", "İstanbul", "TR"],
           ["K2", "Gülüş Diş Kliniği Çankaya", "0312 555 02 00",
            "cankaya@gulus.example", "Tunalı Hilmi Cad. No: 88", "Çankaya", "Ankara",
            "TR"]], ";")
    write(os.path.join(d, "doktorlar.csv"),
          ["Personel No", "Adı", "Soyadı", "E-posta", "Cep Telefonu", "Unvan"],
          [["D1", "Deniz", "Aksoy", "deniz.aksoy@gulus.example", "0532 555 10 01",
            "Diş Hekimi"],
           ["D2", "Ece", "Karaca", "ece.karaca@gulus.example", "0533 555 10 02",
            "Ortodontist"]], ";")
    hastalar = []
    for i in range(1, 41):
        a, s = r.choice(ad), r.choice(soyad)
        il_ce, il, pk = r.choice(ilce)
        hastalar.append([
            "H%04d" % i, a, s,
            "%02d.%02d.%d" % (r.randint(1, 28), r.randint(1, 12), r.randint(1945, 2015)),
            r.choice(["K", "E"]), "05%02d 555 %02d %02d" % (r.randint(30, 55), r.randint(10, 99), r.randint(10, 99)),
            r.choice(["", "0216 555 %02d %02d" % (r.randint(10, 99), r.randint(10, 99))]),
            r.choice(["", "%s.%s%d@posta.example" % (a.lower().replace("ş", "s").replace("ç", "c").replace("ö", "o").replace("ü", "u").replace("ğ", "g").replace("ı", "i"), "k", i)]),
            "%s Sok. No: %d D: %d" % (r.choice(["Lale", "Gül", "Papatya"]), r.randint(1, 150), r.randint(1, 20)),
            il_ce, il, pk, r.choice(["K1", "K2"]), r.choice(["D1", "D2"]),
            r.choice(["Instagram", "Google", "Tavsiye", "Yürüyerek"]),
            "%011d" % r.randint(10000000000, 99999999999),
            r.choice(["", "", "Penisilin alerjisi", "Kalp hastası"]),
            "%02d.%02d.2024 %02d:%02d" % (r.randint(1, 28), r.randint(1, 12), r.randint(9, 18), r.randint(0, 59)),
            "%02d.%02d.2025 %02d:%02d" % (r.randint(1, 28), r.randint(1, 12), r.randint(9, 18), r.randint(0, 59))])
    write(os.path.join(d, "hastalar.csv"),
          ["Hasta No", "Adı", "Soyadı", "Doğum Tarihi", "Cinsiyet", "Cep Telefonu",
           "Ev Telefonu", "E-posta", "Adres", "İlçe", "İl", "Posta Kodu",
           "Klinik No", "Doktor No", "Geliş Kaynağı", "TC Kimlik No",
           "Tıbbi Uyarılar", "Kayıt Tarihi", "Güncelleme Tarihi"], hastalar, ";")
    randevular = []
    for i in range(1, 81):
        h = r.choice(hastalar)
        randevular.append([
            "R%05d" % i, h[0], h[13], h[12],
            "%02d.%02d.2025 %02d:%s" % (r.randint(1, 28), r.randint(1, 12), r.randint(9, 18), r.choice(["00", "30"])),
            str(r.choice([30, 45, 60])),
            r.choice(["Muayene", "Dolgu", "Kanal Tedavisi", "Diş Taşı Temizliği"]),
            r.choice(["Tamamlandı", "Tamamlandı", "Planlandı", "İptal", "Gelmedi"]),
            r.choice(["", "İlk muayene", "Kontrol", "Ağrı şikayeti"])])
    write(os.path.join(d, "randevular.csv"),
          ["Randevu No", "Hasta No", "Doktor No", "Klinik No", "Başlangıç",
           "Süre (dk)", "Randevu Türü", "Durum", "Not"], randevular, ";")
    planlar = []
    for i in range(1, 31):
        h = r.choice(hastalar)
        dis = r.choice(["11", "21", "36", "46", "11,12", "36-37"])
        planlar.append([
            "T%04d" % i, h[0], h[13],
            r.choice(["İmplant tedavisi", "Ortodonti", "Kanal tedavisi", "Zirkonyum kron"]) + " - " + dis,
            r.choice(["İmplant", "Ortodonti", "Endodonti", "Protez"]), dis,
            r.choice(["Yeni", "Tedavide", "Ödeme Bekliyor", "Tamamlandı", "İptal"]),
            "%d.%03d,00" % (r.randint(2, 60), r.choice([0, 500, 250])),
            "%02d.%02d.2025" % (r.randint(1, 28), r.randint(1, 12))])
    write(os.path.join(d, "tedavi_planlari.csv"),
          ["Plan No", "Hasta No", "Doktor No", "Başlık", "Tedavi Türü", "Dişler",
           "Aşama", "Tutar", "Açılış Tarihi"], planlar, ";")
    hat = []
    for i in range(1, 31):
        h = hastalar[i - 1]
        hat.append(["HT%04d" % i, h[0], r.choice(["6 aylık kontrol", "Diş taşı temizliği"]),
                    "%02d.%02d.2026" % (r.randint(1, 28), r.randint(1, 12)),
                    r.choice(["Açık", "Tamamlandı", "İptal"]), r.choice(["SMS", "Telefon", "WhatsApp"])])
    write(os.path.join(d, "hatirlatmalar.csv"),
          ["Hatırlatma No", "Hasta No", "Neden", "Son Tarih", "Durum", "Kanal"],
          hat, ";")
    odemeler = []
    for i in range(1, 41):
        h = r.choice(hastalar)
        odemeler.append(["O%04d" % i, h[0], "%02d.%02d.2025" % (r.randint(1, 28), r.randint(1, 12)),
                         "%d.%03d,00" % (r.randint(1, 20), 0), r.choice(["Nakit", "Kredi Kartı", "Havale"])])
    write(os.path.join(d, "odemeler.csv"),
          ["Ödeme No", "Hasta No", "Tarih", "Tutar", "Ödeme Yöntemi"], odemeler, ";")


if __name__ == "__main__":
    dentrix()
    drdentes_tr()
