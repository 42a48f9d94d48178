/*
 * HMAC-SHA256 (RFC 2104) of many short messages under one key, for the registry importer.
 *
 * Python's hashlib computes the same digests (sigap_core/crypto.py does, and is the fallback when this
 * module is not built), but at about 0.6 us a digest, almost all of it interpreter overhead: six method
 * calls and their objects per message. A registry row needs two or three digests. Here the two padded-key
 * states are computed once per call and copied per message (a struct copy), and SHA-256 itself is
 * OpenSSL's. tests/unit/test_crypto_batch.py checks every output against hmac.digest.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init & co.: the cheapest copyable state OpenSSL offers */
#include <openssl/sha.h>

#define BLOCK 64

static PyObject *
hmac_sha256_many(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer key;
    PyObject *messages;
    if (!PyArg_ParseTuple(args, "y*O:hmac_sha256_many", &key, &messages)) {
        return NULL;
    }
    unsigned char block[BLOCK] = {0};
    if (key.len > BLOCK) {
        SHA256((const unsigned char *)key.buf, (size_t)key.len, block);
    } else {
        memcpy(block, key.buf, (size_t)key.len);
    }
    PyBuffer_Release(&key);
    unsigned char pad[BLOCK];
    SHA256_CTX inner, outer;
    for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, BLOCK);
    for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, BLOCK);

    PyObject *items = PySequence_Fast(messages, "messages must be a sequence of bytes");
    if (items == NULL) {
        return NULL;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(items);
    PyObject *result = PyList_New(count);
    if (result == NULL) {
        Py_DECREF(items);
        return NULL;
    }
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *item = PySequence_Fast_GET_ITEM(items, n);
        char *data;
        Py_ssize_t length;
        if (PyBytes_Check(item)) {
            data = PyBytes_AS_STRING(item);
            length = PyBytes_GET_SIZE(item);
        } else if (PyByteArray_Check(item)) {
            data = PyByteArray_AS_STRING(item);
            length = PyByteArray_GET_SIZE(item);
        } else {
            PyErr_SetString(PyExc_TypeError, "messages must be bytes or bytearray");
            Py_DECREF(result);
            Py_DECREF(items);
            return NULL;
        }
        unsigned char digest[SHA256_DIGEST_LENGTH];
        SHA256_CTX state = inner;
        SHA256_Update(&state, data, (size_t)length);
        SHA256_Final(digest, &state);
        state = outer;
        SHA256_Update(&state, digest, SHA256_DIGEST_LENGTH);
        SHA256_Final(digest, &state);
        PyObject *value = PyByteArray_FromStringAndSize((const char *)digest, SHA256_DIGEST_LENGTH);
        if (value == NULL) {
            Py_DECREF(result);
            Py_DECREF(items);
            return NULL;
        }
        PyList_SET_ITEM(result, n, value);
    }
    Py_DECREF(items);
    return result;
}

static PyMethodDef methods[] = {
    {"hmac_sha256_many", hmac_sha256_many, METH_VARARGS,
     "hmac_sha256_many(key, messages) -> list[bytearray]: HMAC-SHA256 of each message."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sigap_core._hmac_many",
    .m_doc = "Batch HMAC-SHA256 for the importer.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC
PyInit__hmac_many(void)
{
    return PyModule_Create(&module);
}
