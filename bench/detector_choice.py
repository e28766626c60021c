import json, numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.metrics import f1_score
from scipy.sparse import hstack, csr_matrix
from simulator.loader import load_library
from simulator.signals import SignalDetector
lib=load_library(); d=SignalDetector(lib.catalogue); S=lib.catalogue.ids()
rows=[json.loads(l) for l in open('tests/data/signals_dev.jsonl')]
R=np.array([[d.detect(r['reply'],r['customer'])[s].confidence for s in S] for r in rows])
P=(R>=0.5).astype(int)
Y=np.array([[int(s in r['signals']) for s in S] for r in rows])
texts=[r['reply'] for r in rows]
kf=KFold(5,shuffle=True,random_state=0)
res={'rules':[], 'ml':[], 'hybrid':[]}
for tr,te in kf.split(rows):
    vec=TfidfVectorizer(ngram_range=(1,2),min_df=2,sublinear_tf=True)
    Xtr=vec.fit_transform([texts[i] for i in tr]); Xte=vec.transform([texts[i] for i in te])
    Htr=hstack([Xtr,csr_matrix(R[tr]*3)]).tocsr(); Hte=hstack([Xte,csr_matrix(R[te]*3)]).tocsr()
    f={'rules':[], 'ml':[], 'hybrid':[]}
    for j,s in enumerate(S):
        f['rules'].append(f1_score(Y[te,j],P[te,j]))
        m=LogisticRegression(C=10,max_iter=2000,class_weight='balanced').fit(Xtr,Y[tr,j]); f['ml'].append(f1_score(Y[te,j],m.predict(Xte)))
        h=LogisticRegression(C=3,max_iter=2000,class_weight='balanced').fit(Htr,Y[tr,j]); f['hybrid'].append(f1_score(Y[te,j],h.predict(Hte)))
    for k in f: res[k].append(f[k])
for k,v in res.items():
    v=np.array(v).mean(0); print(k, round(v.mean(),3), dict(zip(S,np.round(v,2))))
